# CLIP-Adapter training on the shapes-world few-shot split; the configs next to this folder set
# the number of shots (train_dataloader.dataset.shots).
from mmengine.config import read_base
from mmengine.dataset import InfiniteSampler
from mmengine.hooks import CheckpointHook, IterTimerHook, LoggerHook, ParamSchedulerHook
from mmengine.optim import CosineAnnealingLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop
from torch.optim import AdamW

from projects.clip_adapter.clip_adapter import (
    CLIPAdapterClassifier,
    ResidualAdapter,
    clip_flip_train_transform,
)

with read_base():
    from .fewshot_rn_tiny_64_shapes_world import *  # noqa: F401,F403

shots = 1
max_iters = 1000
lr = 1e-2

model = dict(
    type=CLIPAdapterClassifier,
    clip=clip,  # noqa: F405
    adapter=dict(type=ResidualAdapter, reduction=4, ratio=0.6),
    templates=templates,  # noqa: F405
)
train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    dataset=dict(
        fewshot_set,  # noqa: F405
        shots=shots,
        transform=dict(type=clip_flip_train_transform, clip=clip),  # noqa: F405
    ),
)
train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(type=OptimWrapper, optimizer=dict(type=AdamW, lr=lr, weight_decay=1e-4))
param_scheduler = [
    dict(type=CosineAnnealingLR, by_epoch=False, begin=0, end=max_iters, eta_min=0.0)
]
default_hooks = dict(
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=100),
    param_scheduler=dict(type=ParamSchedulerHook),
    checkpoint=dict(type=CheckpointHook, interval=max_iters, by_epoch=False, max_keep_ckpts=1),
)
log_processor = dict(by_epoch=False, window_size=100)
