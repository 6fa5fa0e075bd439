# CLIP's optimisation for 800 iterations: AdamW (no weight decay on gains, biases and the
# temperature), linear warm-up over 80 iterations to 1e-3, cosine decay to 1% of it.
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop
from torch.optim import AdamW

max_iters = 800
warmup_iters = 80

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters)
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=1e-3, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1),
    paramwise_cfg=dict(flat_decay_mult=0.0, custom_keys={"logit_scale": dict(decay_mult=0.0)}),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(
        type=CosineAnnealingLR,
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters,
        eta_min_ratio=0.01,  # of the optimizer's lr, whatever a config sets it to
    ),
]
