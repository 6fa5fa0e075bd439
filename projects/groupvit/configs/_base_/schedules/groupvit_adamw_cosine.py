# GroupViT's optimiser (AdamW, weight decay 0.05, none on gains, biases, group tokens, positions,
# temperatures and the learned null cosine), a linear warm-up then cosine decay to 1%;
# iteration-based, validated once at the end (mmseg's IoU on the segmentation val split).
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop, TestLoop, ValLoop
from torch.optim import AdamW

max_iters = 1400
warmup_iters = 100

optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=1e-3, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.05),
    paramwise_cfg=dict(
        flat_decay_mult=0.0,
        custom_keys={
            "group_tokens": dict(decay_mult=0.0),
            "pos_embed": dict(decay_mult=0.0),
            "logit_scale": dict(decay_mult=0.0),
            "multi_label_scale": dict(decay_mult=0.0),
            "null_cosine": dict(decay_mult=0.0),
        },
    ),
    clip_grad=dict(max_norm=5.0),
)
train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(
        type=CosineAnnealingLR,
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters,
        eta_min_ratio=0.01,
    ),
]
