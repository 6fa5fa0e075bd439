# Tiny ViT CLIP with a convolutional stem (clipx-ViT-tiny-cs-64: 3x3 stride-2 convolutions
# 3 -> 48 -> 96, a 2x2 projection to 8 x 8 tokens, then 4 blocks x 192, class token), 64 px,
# from scratch. The stem gives the transformer the local edges that 8-px linear patches learn
# slowly; the schedule holds the peak rate and cools down over the last 30%.
# python tools/train.py configs/clip/clip_vit-tiny-cs-64_1xb256-900it_shapes-world.py
# python tools/test.py configs/zeroshot/zeroshot_vit-nano-cs-64_shapes-world.py \
#     --cfg-options model.clip.model_name=clipx-ViT-tiny-cs-64 \
#     model.clip.checkpoint=work_dirs/clip_vit-tiny-cs-64_1xb256-900it_shapes-world/clip_latest.pt
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_image_text import *  # noqa: F401,F403
    from .._base_.models.clip_pretrainer import *  # noqa: F401,F403
    from .._base_.pretrain_runtime import *  # noqa: F401,F403
    from .._base_.schedules.clip_pretrain_held_peak_1000it import *  # noqa: F401,F403

model_name = "clipx-ViT-tiny-cs-64"
max_iters = 900
warmup_iters = 100
cooldown_begin = 630

model.update(model_name=model_name)  # noqa: F405
train_dataloader["dataset"].update(model_name=model_name)  # noqa: F405
train_cfg.update(max_iters=max_iters)  # noqa: F405
param_scheduler[0].update(end=warmup_iters)  # noqa: F405
param_scheduler[1].update(begin=cooldown_begin, end=max_iters)  # noqa: F405
custom_hooks[0].update(interval=300, snapshot_interval=100)  # noqa: F405
