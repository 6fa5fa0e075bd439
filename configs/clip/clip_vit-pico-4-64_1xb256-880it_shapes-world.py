# Pico ViT CLIP (4 blocks, width 64, 4-px patches: a 16 x 16 token grid at 64 px, class token)
# from scratch. Small patches give a small shape several tokens; the narrow width keeps a step
# cheap. The schedule holds the peak learning rate (warmup 100, then 2e-3) and cools down over
# the last 30% (the cooldown is where tiny ViTs gain most here, see README).
# python tools/train.py configs/clip/clip_vit-pico-4-64_1xb256-880it_shapes-world.py
from mmengine.config import read_base
from mmengine.optim import CosineAnnealingLR, LinearLR

from clipx.data import ImageTextDataset
from clipx.pretrain import CLIPPretrainer, ExportCLIPHook

with read_base():
    from .._base_.clip_pretrain_runtime import *  # noqa: F401,F403

model_name = "clipx-ViT-pico-4-64"
data_root = "data/shapes_world/image_text"
max_iters = 880
warmup_iters = 100
cooldown_begin = 620
lr = 2e-3

model = dict(type=CLIPPretrainer, model_name=model_name)
train_dataloader.update(  # noqa: F405
    dataset=dict(type=ImageTextDataset, ann_file=f"{data_root}/train.csv", model_name=model_name)
)
train_cfg.update(max_iters=max_iters)  # noqa: F405
optim_wrapper["optimizer"].update(lr=lr)  # noqa: F405
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type=CosineAnnealingLR, by_epoch=False, begin=cooldown_begin, end=max_iters, eta_min=0.0),
]
custom_hooks = [dict(type=ExportCLIPHook, interval=200, snapshot_interval=100)]
