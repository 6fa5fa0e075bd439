# Tiny ViT CLIP with a convolutional stem (clipx-ViT-tiny-cs-64: 3x3 stride-2 convolutions
# 3 -> 48 -> 96, a 2x2 projection to 8 x 8 tokens, then 4 blocks x 192, class token), 64 px,
# from scratch. The stem gives the transformer the local edges that 8-px linear patches learn
# slowly; the schedule holds the peak rate and cools down over the last 30%.
# python tools/train.py configs/clip/clip_vit-tiny-cs-64_1xb256-900it_shapes-world.py
# python tools/test.py configs/zeroshot/zeroshot_vit-nano-cs-64_shapes-world.py \
#     --cfg-options model.clip.model_name=clipx-ViT-tiny-cs-64 \
#     model.clip.checkpoint=work_dirs/clip_vit-tiny-cs-64_1xb256-900it_shapes-world/clip_latest.pt
from mmengine.config import read_base
from mmengine.optim import CosineAnnealingLR, LinearLR

from clipx.data import ImageTextDataset
from clipx.pretrain import CLIPPretrainer, ExportCLIPHook

with read_base():
    from .._base_.clip_pretrain_runtime import *  # noqa: F401,F403

model_name = "clipx-ViT-tiny-cs-64"
data_root = "data/shapes_world/image_text"
max_iters = 900
warmup_iters = 100
cooldown_begin = 630
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
custom_hooks = [dict(type=ExportCLIPHook, interval=300, snapshot_interval=100)]
