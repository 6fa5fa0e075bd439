# CLIP's optimiser (schedules/clip_adamw.py) with the schedule that gets tiny ViTs to
# learn shape on shapes world: linear warm-up over 200 iterations to 2e-3, the peak held, and a
# cosine cool-down to zero over the last 200 of 1000 iterations (the ViTs gain most in the
# cool-down; README, "Pretraining CLIP from scratch").
from mmengine.config import read_base
from mmengine.optim import CosineAnnealingLR, LinearLR
from mmengine.runner import IterBasedTrainLoop

with read_base():
    from .clip_adamw import optim_wrapper

max_iters = 1000
warmup_iters = 200
cooldown_begin = 800

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters)
optim_wrapper["optimizer"].update(lr=2e-3)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type=CosineAnnealingLR, by_epoch=False, begin=cooldown_begin, end=max_iters, eta_min=0.0),
]
