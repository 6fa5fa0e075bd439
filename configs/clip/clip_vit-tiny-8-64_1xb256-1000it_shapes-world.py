# Tiny ViT CLIP (4 blocks, width 192, 8-px patches, class token, 64 px) from scratch.
# ViTs learn shape late on this data, so the schedule holds the peak learning rate for
# most of the run (warmup 200, constant 2e-3) and cools down over the last 20%.
# python tools/train.py configs/clip/clip_vit-tiny-8-64_1xb256-1000it_shapes-world.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_image_text import *  # noqa: F401,F403
    from .._base_.models.clip_pretrainer import *  # noqa: F401,F403
    from .._base_.pretrain_runtime import *  # noqa: F401,F403
    from .._base_.schedules.clip_pretrain_held_peak_1000it import *  # noqa: F401,F403

model_name = "clipx-ViT-tiny-8-64"
max_iters = 1000
warmup_iters = 200
cooldown_begin = 800

model.update(model_name=model_name)  # noqa: F405
train_dataloader["dataset"].update(model_name=model_name)  # noqa: F405
train_cfg.update(max_iters=max_iters)  # noqa: F405
param_scheduler[0].update(end=warmup_iters)  # noqa: F405
param_scheduler[1].update(begin=cooldown_begin, end=max_iters)  # noqa: F405
custom_hooks[0].update(snapshot_interval=100)  # noqa: F405
