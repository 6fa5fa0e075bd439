# Zero-shot baseline of the few-shot configs: clipx's own ZeroShotClassifierModel with the same
# frozen CLIP, prompts and test split (80 classes, chance 1.25%). Nothing trains.
# python tools/test.py projects/clip_adapter/configs/zeroshot_rn-tiny-64_shapes-world-fewshot.py
from mmengine.config import read_base

from clipx.evaluation import ZeroShotClassifierModel

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ....configs._base_.models.frozen_clip_rn_tiny_64 import *  # noqa: F401,F403
    from ....configs._base_.schedules.test_only import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_fewshot import *  # noqa: F401,F403

model = dict(type=ZeroShotClassifierModel, clip=clip, templates=templates)  # noqa: F405
