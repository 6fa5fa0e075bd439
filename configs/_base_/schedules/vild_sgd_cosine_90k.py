# 90k iterations of SGD with momentum for ViLD at COCO scale (8 GPUs x 16 images, lr 0.02 per
# 16 images scaled by 8): linear warm-up over 1000, cosine decay to zero, gradients clipped at
# norm 10.
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop, TestLoop
from torch.optim import SGD

max_iters = 90000
warmup_iters = 1000

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=SGD, lr=0.02 * 8, momentum=0.9, weight_decay=4e-5),
    clip_grad=dict(max_norm=10.0),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type=CosineAnnealingLR, by_epoch=False, begin=warmup_iters, end=max_iters, eta_min=0.0),
]
