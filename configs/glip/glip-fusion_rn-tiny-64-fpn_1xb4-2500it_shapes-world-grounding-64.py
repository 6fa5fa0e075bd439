# GLIP with deep fusion: every tower block cross-attends image levels and CLIP's tokens (GLIP's
# VLFuse) and runs a BERT layer over the tokens, as GLIP-T; otherwise the config of
# glip_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py.
# python tools/train.py configs/glip/glip-fusion_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_grounding_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.glip_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.glip_sgd_cosine import *  # noqa: F401,F403

model["bbox_head"].update(early_fuse=True)  # noqa: F405
