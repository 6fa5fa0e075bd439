# ActionCLIP on shapes-world clips: which way do the shapes move (left / right / up / down, chance
# 25%)? Frozen tiny CLIP frame embeddings -> a temporal transformer (clipx's seqTransf: blocks
# copied from the text transformer, frame positions from N(0, 0.1^2) so that it starts
# order-aware) -> one video embedding, scored against the prompt-ensembled class names. Trained
# with ActionCLIP's objective (symmetric KL between the batch's video-text similarities and the
# same-label matrix; one random template per clip) and a learnable temperature; only the temporal
# module and the temperature train. Clips whose shapes move different ways are left out (no single
# label). Validation and test: the 500 held-out clips of `test` (320 with one direction).
# python tools/train.py projects/actionclip/configs/actionclip_seqtransf_rn-tiny-64_1xb32-300it_shapes-world-video-direction.py
# python tools/test.py projects/actionclip/configs/actionclip_seqtransf_rn-tiny-64_1xb32-300it_shapes-world-video-direction.py \
#     work_dirs/actionclip_seqtransf_rn-tiny-64_1xb32-300it_shapes-world-video-direction/iter_300.pth
from mmengine.config import read_base
from mmengine.dataset import InfiniteSampler, pseudo_collate
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop, TestLoop, ValLoop
from torch.optim import AdamW

from clipx.video import TemporalTransformer
from projects.actionclip.actionclip import SHAPE_MOTION_TEMPLATES, ActionCLIP

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ....configs._base_.models.frozen_clip_rn_tiny_64 import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_video_direction import *  # noqa: F401,F403

max_iters = 300
warmup_iters = 20

model = dict(
    type=ActionCLIP,
    clip=clip,  # noqa: F405
    aggregator=dict(
        type=TemporalTransformer,
        num_layers=2,
        max_frames=num_frames,  # noqa: F405
        position_std=0.1,
    ),
    templates=SHAPE_MOTION_TEMPLATES,
    objective="kl",
)
train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(ann_file=f"{data_root}/annotations/train_clips.json", **clips),  # noqa: F405
)
val_dataloader = test_dataloader  # noqa: F405
val_evaluator = test_evaluator  # noqa: F405

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=1e-3, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.05),
    paramwise_cfg=dict(flat_decay_mult=0.0),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(
        type=CosineAnnealingLR,
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters,
        eta_min_ratio=0.01,
    ),
]
default_hooks["logger"].update(interval=20)  # noqa: F405
log_processor.update(window_size=20)  # noqa: F405
