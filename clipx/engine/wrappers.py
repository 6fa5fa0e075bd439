"""Model wrappers for distributed runs."""

from __future__ import annotations

from mmengine.model import BaseModel
from torch import nn

from clipx.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class EvalModelWrapper(nn.Module):
    """A pass-through wrapper for evaluation-only models under a distributed launcher.

    mmengine wraps every model in DistributedDataParallel when launched with
    ``--launcher pytorch|slurm``; DDP refuses a model without trainable
    parameters, such as a frozen CLIP with a zero-shot classifier. Each rank
    then evaluates its shard and the metrics gather the results. Use it with
    ``model_wrapper_cfg = dict(type='clipx.EvalModelWrapper')``.
    """

    def __init__(self, module: BaseModel, **_ignored) -> None:
        super().__init__()
        self.module = module

    def val_step(self, data):
        return self.module.val_step(data)

    def test_step(self, data):
        return self.module.test_step(data)

    def train_step(self, data, optim_wrapper):
        raise RuntimeError(
            "EvalModelWrapper is for evaluation; remove model_wrapper_cfg to train with DDP."
        )
