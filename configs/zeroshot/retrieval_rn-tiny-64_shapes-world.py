# Image-text retrieval (R@1/5/10 both ways) on held-out shapes-world captions,
# three captions per image.
# python tools/test.py configs/zeroshot/retrieval_rn-tiny-64_shapes-world.py
from mmengine.config import read_base

from clipx.evaluation import ImageTextRetrievalModel

with read_base():
    from .._base_.datasets.shapes_world_retrieval import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.frozen_clip_rn_tiny_64 import *  # noqa: F401,F403
    from .._base_.schedules.test_only import *  # noqa: F401,F403

model = dict(type=ImageTextRetrievalModel, clip=clip)  # noqa: F405
