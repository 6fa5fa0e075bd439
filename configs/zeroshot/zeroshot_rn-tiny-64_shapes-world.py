# Zero-shot colour x shape classification with the tiny CLIP pretrained on shapes world,
# prompting with the class names only ("red circle").
# python tools/test.py configs/zeroshot/zeroshot_rn-tiny-64_shapes-world.py
from mmengine.config import read_base

from clipx.evaluation import ZeroShotClassifierModel

with read_base():
    from .._base_.datasets.shapes_world_zeroshot import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.frozen_clip_rn_tiny_64 import *  # noqa: F401,F403
    from .._base_.schedules.test_only import *  # noqa: F401,F403

model = dict(type=ZeroShotClassifierModel, clip=clip, templates="name")  # noqa: F405
