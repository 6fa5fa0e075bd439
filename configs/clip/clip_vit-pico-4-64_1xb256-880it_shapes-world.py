# Pico ViT CLIP (4 blocks, width 64, 4-px patches: a 16 x 16 token grid at 64 px, class token)
# from scratch. Small patches give a small shape several tokens; the narrow width keeps a step
# cheap. The schedule holds the peak learning rate (warmup 100, then 2e-3) and cools down over
# the last 30% (the cooldown is where tiny ViTs gain most here, see README).
# python tools/train.py configs/clip/clip_vit-pico-4-64_1xb256-880it_shapes-world.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_image_text import *  # noqa: F401,F403
    from .._base_.models.clip_pretrainer import *  # noqa: F401,F403
    from .._base_.pretrain_runtime import *  # noqa: F401,F403
    from .._base_.schedules.clip_pretrain_held_peak_1000it import *  # noqa: F401,F403

model_name = "clipx-ViT-pico-4-64"
max_iters = 880
warmup_iters = 100
cooldown_begin = 620

model.update(model_name=model_name)  # noqa: F405
train_dataloader["dataset"].update(model_name=model_name)  # noqa: F405
train_cfg.update(max_iters=max_iters)  # noqa: F405
param_scheduler[0].update(end=warmup_iters)  # noqa: F405
param_scheduler[1].update(begin=cooldown_begin, end=max_iters)  # noqa: F405
custom_hooks[0].update(snapshot_interval=100)  # noqa: F405
