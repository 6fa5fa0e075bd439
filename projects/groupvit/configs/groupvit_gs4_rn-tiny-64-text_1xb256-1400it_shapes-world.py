# The ablation of GroupViT's two grouping stages: one stage groups the 64 patches straight into
# 4 segments (3 blocks before it, 2 after, on the segments); otherwise groupvit_gs16-4_...
# python tools/train.py projects/groupvit/configs/groupvit_gs4_rn-tiny-64-text_1xb256-1400it_shapes-world.py
from mmengine.config import read_base

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_captions_seg_64 import *  # noqa: F401,F403
    from ._base_.models.groupvit_gs16_4_tiny_64 import *  # noqa: F401,F403
    from ._base_.schedules.groupvit_adamw_cosine import *  # noqa: F401,F403

model["image_tower"].update(depths=(3, 2), num_group_tokens=(4,))  # noqa: F405
