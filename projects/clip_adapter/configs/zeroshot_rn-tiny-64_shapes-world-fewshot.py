# Zero-shot baseline of the few-shot configs: clipx's own ZeroShotClassifierModel with the same
# frozen CLIP, prompts and test split (80 classes, chance 1.25%). Nothing trains.
# PYTHONPATH=. python tools/test.py projects/clip_adapter/configs/zeroshot_rn-tiny-64_shapes-world-fewshot.py
from mmengine.config import read_base

from clipx.engine import EvalModelWrapper
from clipx.evaluation import ZeroShotClassifierModel

with read_base():
    from ._base_.fewshot_rn_tiny_64_shapes_world import *  # noqa: F401,F403

model = dict(type=ZeroShotClassifierModel, clip=clip, templates=templates)  # noqa: F405
model_wrapper_cfg = dict(type=EvalModelWrapper)
