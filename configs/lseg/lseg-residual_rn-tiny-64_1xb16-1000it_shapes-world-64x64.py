# LSeg with the residual path: the decoder's (normalised) pixel embedding plus the frozen CLIP's
# own dense joint-space embedding (the MaskCLIP projection of each position), so the head turns
# CLIP's alignment instead of replacing it. Measured against the plain decoder next to it
# (README, "Language-driven segmentation"): at 64 px the tiny ResNet's dense map is 2 x 2 cells,
# and the residual lowers both base and novel mIoU here.
# python tools/train.py configs/lseg/lseg-residual_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_seg_64x64 import *  # noqa: F401,F403
    from .._base_.models.lseg_rn_tiny_64 import *  # noqa: F401,F403
    from .._base_.schedules.lseg_adamw_cosine_1k import *  # noqa: F401,F403
    from .._base_.seg_runtime import *  # noqa: F401,F403

model.decode_head.update(residual=True)  # noqa: F405
