# Tiny ModifiedResNet CLIP from scratch on the generated shapes world (64 px; the generator's
# default world, half plain and half varied rendering), peak rate 2e-3.
# python tools/generate_shapes_world.py --out data/shapes_world
# python tools/train.py configs/clip/clip_rn-tiny-64_1xb256-800it_shapes-world.py
# fp32: bf16 autocast (--cfg-options optim_wrapper.type=clipx.AutocastOptimWrapper
# optim_wrapper.enabled=True) ran 1.75x faster per step on an AMX CPU and scored 75.2% against
# 89.4% independent zero-shot, but a near-identical fp32 run (flush_denormal=True) scored 78.5%:
# single runs spread by ~11 points; README, "Rendering variation".
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_image_text import *  # noqa: F401,F403
    from .._base_.models.clip_pretrainer import *  # noqa: F401,F403
    from .._base_.pretrain_runtime import *  # noqa: F401,F403
    from .._base_.schedules.clip_pretrain_800it import *  # noqa: F401,F403

optim_wrapper["optimizer"].update(lr=2e-3)  # noqa: F405
