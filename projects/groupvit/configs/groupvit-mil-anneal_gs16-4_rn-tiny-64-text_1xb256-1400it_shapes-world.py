# GroupViT's model and schedule (groupvit_gs16-4_...) with three changes aimed at the final-group
# collapse, none of them in the paper: the multi-label loss scores each noun by its best segment
# (among those holding patches) instead of the pooled image, every segment is labelled from its
# caption against a learned null cosine (group_label_loss; that cosine is the background
# threshold at inference), and the Gumbel noise of the assignment is annealed to zero over the
# first 70% of training so the choice made while training becomes the one made at inference.
# python tools/train.py projects/groupvit/configs/groupvit-mil-anneal_gs16-4_rn-tiny-64-text_1xb256-1400it_shapes-world.py
from mmengine.config import read_base

from projects.groupvit.groupvit import GumbelAnnealHook

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_captions_seg_64 import *  # noqa: F401,F403
    from ._base_.models.groupvit_gs16_4_tiny_64 import *  # noqa: F401,F403
    from ._base_.schedules.groupvit_adamw_cosine import *  # noqa: F401,F403

model.update(  # noqa: F405
    multi_label_on="groups",
    group_label_weight=1.0,
    background_by="learned",
)
custom_hooks = [dict(type=GumbelAnnealHook, end=int(0.7 * max_iters))]  # noqa: F405
