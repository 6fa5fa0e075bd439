# The ablation of GroupViT's hard assignment: the model and schedule of groupvit_gs16-4_..., but
# each token is spread over the groups by the plain softmax (no Gumbel noise, no one-hot).
# python tools/train.py projects/groupvit/configs/groupvit-soft_gs16-4_rn-tiny-64-text_1xb256-1400it_shapes-world.py
from mmengine.config import read_base

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_captions_seg_64 import *  # noqa: F401,F403
    from ._base_.models.groupvit_gs16_4_tiny_64 import *  # noqa: F401,F403
    from ._base_.schedules.groupvit_adamw_cosine import *  # noqa: F401,F403

model["image_tower"].update(hard=False, gumbel=False)  # noqa: F405
