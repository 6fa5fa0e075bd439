# GroupViT with its text tower trained too, from random weights (the paper's setting), instead
# of the frozen shapes-world CLIP's: the tiny CLIP architecture's text transformer, every part of
# it trainable; the CLIP's image tower is not used. Otherwise groupvit_gs16-4_...
# python tools/train.py projects/groupvit/configs/groupvit_gs16-4_rn-tiny-64-text-scratch_1xb256-1400it_shapes-world.py
from mmengine.config import read_base

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_captions_seg_64 import *  # noqa: F401,F403
    from ._base_.models.groupvit_gs16_4_tiny_64 import *  # noqa: F401,F403
    from ._base_.schedules.groupvit_adamw_cosine import *  # noqa: F401,F403

clip = dict(  # noqa: F405
    clip,  # noqa: F405
    checkpoint=None,
    # every parameter of the text tower (open_clip's names), none of the image tower's
    unfreeze=dict(
        names=(
            "token_embedding",
            "positional_embedding",
            "transformer",
            "ln_final",
            "text_projection",
        )
    ),
)
model["clip"] = clip  # noqa: F405
