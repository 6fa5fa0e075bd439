# Nano ViT CLIP (4 blocks, width 128, 8-px patches, 64 px) from scratch on shapes world.
# ViTs learn shape late: a narrower ViT that runs more steps in the same time, with a higher
# peak lr and a cosine schedule, gets there (see README for what was tried).
# python tools/train.py configs/clip/clip_vit-nano-8-64_1xb256-1800it_shapes-world.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_image_text import *  # noqa: F401,F403
    from .._base_.models.clip_pretrainer import *  # noqa: F401,F403
    from .._base_.pretrain_runtime import *  # noqa: F401,F403
    from .._base_.schedules.clip_pretrain_800it import *  # noqa: F401,F403

model_name = "clipx-ViT-nano-8-64"
max_iters = 1800
warmup_iters = 150

model.update(model_name=model_name)  # noqa: F405
train_dataloader["dataset"].update(model_name=model_name)  # noqa: F405
train_cfg.update(max_iters=max_iters)  # noqa: F405
optim_wrapper["optimizer"].update(lr=2e-3)  # noqa: F405
param_scheduler[0].update(end=warmup_iters)  # noqa: F405
param_scheduler[1].update(begin=warmup_iters, end=max_iters)  # noqa: F405
