# Tiny ViT CLIP (4 blocks, width 192, 8-px patches, 64 px) with global average pooling and
# fixed 2-D sin-cos position embeddings (as in "Better plain ViT baselines"), from scratch.
# ViTs learn shape far later than ResNets on this data; see README for what was tried.
# python tools/train.py configs/clip/clip_vit-tiny-gap-8-64_1xb256-1100it_shapes-world.py
from mmengine.config import read_base

from clipx.data import ImageTextDataset
from clipx.pretrain import CLIPPretrainer

with read_base():
    from .._base_.clip_pretrain_runtime import *  # noqa: F401,F403

model_name = "clipx-ViT-tiny-gap-8-64"
data_root = "data/shapes_world/image_text"
max_iters = 1100
warmup_iters = 100
lr = 2e-3

model = dict(type=CLIPPretrainer, model_name=model_name)
train_dataloader.update(  # noqa: F405
    dataset=dict(type=ImageTextDataset, ann_file=f"{data_root}/train.csv", model_name=model_name)
)
train_cfg.update(max_iters=max_iters)  # noqa: F405
optim_wrapper["optimizer"].update(lr=lr)  # noqa: F405
param_scheduler[0].update(end=warmup_iters)  # noqa: F405
param_scheduler[1].update(begin=warmup_iters, end=max_iters, eta_min=lr * 0.01)  # noqa: F405
