# Tiny ModifiedResNet CLIP from scratch on the generated shapes world (64 px).
# python tools/generate_shapes_world.py --out data/shapes_world
# python tools/train.py configs/clip/clip_rn-tiny-64_1xb256-800it_shapes-world.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_image_text import *  # noqa: F401,F403
    from .._base_.models.clip_pretrainer import *  # noqa: F401,F403
    from .._base_.pretrain_runtime import *  # noqa: F401,F403
    from .._base_.schedules.clip_pretrain_800it import *  # noqa: F401,F403
