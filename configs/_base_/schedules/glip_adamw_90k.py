# GLIP's optimiser on real data: AdamW at 1e-4 (weight decay 0.05, none on norms), linear warm-up
# over 1000 iterations, the rate divided by 10 at 2/3 and 8/9 of 90k iterations (mmdet's 1x at a
# batch of 32), gradients clipped at norm 35.
from mmengine.optim import LinearLR, MultiStepLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop, TestLoop
from torch.optim import AdamW

max_iters = 90_000

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=max_iters)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={"norm": dict(decay_mult=0.0)}),
    clip_grad=dict(max_norm=35.0),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(
        type=MultiStepLR,
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[60_000, 80_000],
        gamma=0.1,
    ),
]
