# Tiny ViT CLIP (4 blocks, width 192, 8-px patches, 64 px) with global average pooling and
# fixed 2-D sin-cos position embeddings (as in "Better plain ViT baselines"), from scratch.
# ViTs learn shape far later than ResNets on this data; see README for what was tried.
# python tools/train.py configs/clip/clip_vit-tiny-gap-8-64_1xb256-1100it_shapes-world.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_image_text import *  # noqa: F401,F403
    from .._base_.models.clip_pretrainer import *  # noqa: F401,F403
    from .._base_.pretrain_runtime import *  # noqa: F401,F403
    from .._base_.schedules.clip_pretrain_800it import *  # noqa: F401,F403

model_name = "clipx-ViT-tiny-gap-8-64"
max_iters = 1100
warmup_iters = 100

model.update(model_name=model_name)  # noqa: F405
train_dataloader["dataset"].update(model_name=model_name)  # noqa: F405
train_cfg.update(max_iters=max_iters)  # noqa: F405
optim_wrapper["optimizer"].update(lr=2e-3)  # noqa: F405
param_scheduler[0].update(end=warmup_iters)  # noqa: F405
param_scheduler[1].update(begin=warmup_iters, end=max_iters)  # noqa: F405
