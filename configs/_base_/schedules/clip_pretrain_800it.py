# 800 iterations of CLIP's optimiser (schedules/clip_adamw.py): linear warm-up over 80 iterations
# to 1e-3, cosine decay to 1% of it.
from mmengine.config import read_base
from mmengine.optim import CosineAnnealingLR, LinearLR
from mmengine.runner import IterBasedTrainLoop

with read_base():
    from .clip_adamw import optim_wrapper  # noqa: F401  (this schedule uses it as it is)

max_iters = 800
warmup_iters = 80

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters)
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
