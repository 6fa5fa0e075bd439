"""Annealing of the grouping's Gumbel noise over training."""

from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from .tower import AssignAttention


@HOOKS.register_module()
class GumbelAnnealHook(Hook):
    """Scale the Gumbel noise of every :class:`AssignAttention` linearly from 1 to ``final``.

    With the noise at full strength the assignment a small model makes while training is mostly
    the noise's (shapes world, 500 iterations: 13 of 16 first-stage groups hold patches while
    training, 2.8 at inference), so the groups it learns to name are not the ones inference
    uses. Lowering the noise to ``final`` by iteration ``end`` keeps GroupViT's noisy start and
    ends training on the choice inference makes. Not in GroupViT (which keeps the noise).

    Args:
        end: the iteration at which the scale reaches ``final`` (and stays).
        final: the last scale (0: no noise).
    """

    priority = "NORMAL"

    def __init__(self, end: int, final: float = 0.0) -> None:
        if end < 1:
            raise ValueError(
                f"end={end}; give the iteration (>= 1) at which the noise reaches final."
            )
        if not 0.0 <= final <= 1.0:
            raise ValueError(f"final={final}; the last noise scale must lie in [0, 1].")
        self.end, self.final = int(end), float(final)

    def scale_at(self, iteration: int) -> float:
        """The noise scale at ``iteration`` (0-based)."""
        done = min(iteration / self.end, 1.0)
        return 1.0 + (self.final - 1.0) * done

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        scale = self.scale_at(runner.iter)
        for module in model.modules():
            if isinstance(module, AssignAttention):
                module.noise_scale = scale
        runner.message_hub.update_scalar("train/gumbel_noise", scale)
