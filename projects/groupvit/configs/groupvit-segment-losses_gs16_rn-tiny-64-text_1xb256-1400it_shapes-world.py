# groupvit-segment-losses_gs16-4_... with one grouping stage of 16 groups instead of 16 then 4
# (5 transformer blocks as there: 3 before the grouping, 2 after). The information term asks each
# image's patches to spread over its groups; at a final stage of 4 that split is even and
# spatial (quadrants, each holding a piece of a shape), while the 16 groups of the first stage
# follow the shapes (README, "Against the collapse").
# python tools/train.py projects/groupvit/configs/groupvit-segment-losses_gs16_rn-tiny-64-text_1xb256-1400it_shapes-world.py
from mmengine.config import read_base

from projects.groupvit.groupvit import GumbelAnnealHook

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_captions_seg_64 import *  # noqa: F401,F403
    from ._base_.models.groupvit_gs16_4_tiny_64_segment_losses import *  # noqa: F401,F403
    from ._base_.schedules.groupvit_adamw_cosine import *  # noqa: F401,F403

model["image_tower"].update(depths=(3, 2), num_group_tokens=(16,))  # noqa: F405
custom_hooks = [dict(type=GumbelAnnealHook, end=int(0.7 * max_iters))]  # noqa: F405
