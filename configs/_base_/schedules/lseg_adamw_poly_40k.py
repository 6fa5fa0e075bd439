# 40k iterations of AdamW (mmseg's 40k schedule length): linear warm-up over 1500 to 2e-4, then
# polynomial decay (power 0.9) to zero; validation every 4000 iterations.
from mmengine.optim import LinearLR, OptimWrapper, PolyLR
from mmengine.runner import IterBasedTrainLoop, TestLoop, ValLoop
from torch.optim import AdamW

max_iters = 40000
warmup_iters = 1500

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=4000)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=2e-4, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(flat_decay_mult=0.0),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=1e-3, by_epoch=False, begin=0, end=warmup_iters),
    dict(type=PolyLR, power=0.9, eta_min=0.0, by_epoch=False, begin=warmup_iters, end=max_iters),
]
