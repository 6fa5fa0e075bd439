# 1000 iterations of AdamW at 1e-2 with cosine decay to zero (chosen on the val split for every
# shot count); validation once, at the end.
from mmengine.optim import CosineAnnealingLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop
from torch.optim import AdamW

max_iters = 1000

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(type=OptimWrapper, optimizer=dict(type=AdamW, lr=1e-2, weight_decay=1e-4))
param_scheduler = [
    dict(type=CosineAnnealingLR, by_epoch=False, begin=0, end=max_iters, eta_min=0.0)
]
