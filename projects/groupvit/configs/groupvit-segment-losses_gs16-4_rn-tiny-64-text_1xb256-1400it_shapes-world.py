# GroupViT's tower and schedule (groupvit_gs16-4_...) with the segment-level losses of
# _base_/models/groupvit_gs16_4_tiny_64_segment_losses.py, and the Gumbel noise of the assignment
# annealed to zero over the first 70% of training, so the choice made while training becomes the
# one made at inference (GumbelAnnealHook). Not in the paper.
# python tools/train.py projects/groupvit/configs/groupvit-segment-losses_gs16-4_rn-tiny-64-text_1xb256-1400it_shapes-world.py
# python tools/test.py projects/groupvit/configs/groupvit-segment-losses_gs16-4_rn-tiny-64-text_1xb256-1400it_shapes-world.py \
#     work_dirs/groupvit-segment-losses_gs16-4_rn-tiny-64-text_1xb256-1400it_shapes-world/iter_1400.pth
from mmengine.config import read_base

from projects.groupvit.groupvit import GumbelAnnealHook

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_captions_seg_64 import *  # noqa: F401,F403
    from ._base_.models.groupvit_gs16_4_tiny_64_segment_losses import *  # noqa: F401,F403
    from ._base_.schedules.groupvit_adamw_cosine import *  # noqa: F401,F403

custom_hooks = [dict(type=GumbelAnnealHook, end=int(0.7 * max_iters))]  # noqa: F405
