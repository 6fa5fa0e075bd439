# Shared runtime of the contrastive pretraining configs (iteration-based).
from mmengine.dataset import InfiniteSampler, default_collate
from mmengine.hooks import CheckpointHook, IterTimerHook, LoggerHook, ParamSchedulerHook
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop
from torch.optim import AdamW

from clipx.pretrain import ExportCLIPHook

default_scope = "clipx"
max_iters = 800
warmup_iters = 80
lr = 1e-3
batch_size = 256

train_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    collate_fn=dict(type=default_collate),
)
train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters)

# CLIP: AdamW, no weight decay on gains, biases (1-d parameters) and the temperature.
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1),
    paramwise_cfg=dict(flat_decay_mult=0.0, custom_keys={"logit_scale": dict(decay_mult=0.0)}),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type=CosineAnnealingLR, by_epoch=False, begin=warmup_iters, end=max_iters, eta_min=lr * 0.01),
]

default_hooks = dict(
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=50),
    param_scheduler=dict(type=ParamSchedulerHook),
    checkpoint=dict(type=CheckpointHook, interval=200, by_epoch=False, max_keep_ckpts=2),
)
custom_hooks = [dict(type=ExportCLIPHook, interval=200)]
log_processor = dict(by_epoch=False, window_size=50)
randomness = dict(seed=0)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
log_level = "INFO"
