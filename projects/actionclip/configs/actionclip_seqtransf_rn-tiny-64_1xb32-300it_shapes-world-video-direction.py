# ActionCLIP on shapes-world clips: which way do the shapes move (left / right / up / down, chance
# 25%)? Frozen tiny CLIP frame embeddings -> a temporal transformer (clipx's seqTransf: blocks
# copied from the text transformer, frame positions from N(0, 0.1^2) so that it starts
# order-aware) -> one video embedding, scored against the prompt-ensembled class names. Trained
# with ActionCLIP's objective (symmetric KL between the batch's video-text similarities and the
# same-label matrix; one random template per clip) and a learnable temperature; only the temporal
# module and the temperature train. Clips whose shapes move different ways are left out (no single
# label). Validation and test: the 500 held-out clips of `test` (320 with one direction).
# PYTHONPATH=. python tools/train.py projects/actionclip/configs/actionclip_seqtransf_rn-tiny-64_1xb32-300it_shapes-world-video-direction.py
# PYTHONPATH=. python tools/test.py projects/actionclip/configs/actionclip_seqtransf_rn-tiny-64_1xb32-300it_shapes-world-video-direction.py \
#     work_dirs/actionclip_seqtransf_rn-tiny-64_1xb32-300it_shapes-world-video-direction/iter_300.pth
# (PYTHONPATH=.: tools/*.py put tools/ on sys.path, not the repository root that holds projects/.)
from mmengine.dataset import DefaultSampler, InfiniteSampler, pseudo_collate
from mmengine.hooks import CheckpointHook, IterTimerHook, LoggerHook, ParamSchedulerHook
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop, TestLoop, ValLoop
from torch.optim import AdamW

from clipx.backbone import FrozenCLIP
from clipx.data.classification import clip_eval_transform
from clipx.video import TemporalTransformer
from projects.actionclip.actionclip import (
    SHAPE_MOTION_TEMPLATES,
    ActionCLIP,
    VideoClassAccuracy,
    VideoClassificationDataset,
)

# mmengine honours custom_imports only in configs without class imports; the imports above load
# (and register) the package here, this line names it for tools that read it.
custom_imports = dict(imports=["projects.actionclip.actionclip"], allow_failed_imports=False)

default_scope = "clipx"
data_root = "data/shapes_world_video"
checkpoint = "work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt"
classes = ("left", "right", "up", "down")
num_frames = 12
batch_size = 32
max_iters = 300
warmup_iters = 20
lr = 1e-3

clip = dict(type=FrozenCLIP, model_name="clipx-RN-tiny-64", checkpoint=checkpoint)
model = dict(
    type=ActionCLIP,
    clip=clip,
    aggregator=dict(
        type=TemporalTransformer, num_layers=2, max_frames=num_frames, position_std=0.1
    ),
    templates=SHAPE_MOTION_TEMPLATES,
    objective="kl",
)
clips = dict(
    type=VideoClassificationDataset,
    video_root=f"{data_root}/videos",
    transform=dict(type=clip_eval_transform, clip=clip),
    classes=classes,
    label_key="direction",
    num_frames=num_frames,
)
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(ann_file=f"{data_root}/annotations/train_clips.json", **clips),
)
test_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    sampler=dict(type=DefaultSampler, shuffle=False),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(ann_file=f"{data_root}/annotations/test_clips.json", **clips),
)
val_dataloader = test_dataloader
val_evaluator = dict(type=VideoClassAccuracy)
test_evaluator = val_evaluator

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.05),
    paramwise_cfg=dict(flat_decay_mult=0.0),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(
        type=CosineAnnealingLR, by_epoch=False, begin=warmup_iters, end=max_iters, eta_min=lr * 0.01
    ),
]
default_hooks = dict(
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=20),
    param_scheduler=dict(type=ParamSchedulerHook),
    checkpoint=dict(type=CheckpointHook, interval=max_iters, by_epoch=False, max_keep_ckpts=1),
)
log_processor = dict(by_epoch=False, window_size=20)
randomness = dict(seed=0)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
log_level = "INFO"
