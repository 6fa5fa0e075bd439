# CLIP4Clip seqTransf on shapes-world clips with motion captions. The tiny CLIP stays frozen; the
# temporal transformer (3 randomly initialised blocks of width 128, frame positions from N(0, 0.1^2))
# and a copy of the temperature train, 4000 iterations of 32 clips on the cached frame embeddings
# (datasets/shapes_world_video_motion.py).
# Why not CLIP4Clip's copy of the text blocks and positions: on the tiny CLIP, measured on the
# own-val reversal accuracy (chance 50), the copied blocks with the text positions reached 61.3,
# random blocks with positions of std 0.1 71.5 at 2000 iterations and 75.2 at 4000 (train loss 0.76
# -> 0.52: the head underfits at 2000). The tiny text tower's positions are too small to make the
# blocks order-aware, and its blocks, trained on captions, do not help with frame sequences.
# From a fresh clone (cdcd365): own-val reversal 79.8, independent drawings 71.9 (README, CLIP4Clip).
# python tools/generate_shapes_world_video.py --out data/shapes_world_video
# python tools/video_precompute.py configs/clip4clip/clip4clip_seqtransf_rn-tiny-64_1xb32-4000it_shapes-world-video-motion.py
# python tools/train.py configs/clip4clip/clip4clip_seqtransf_rn-tiny-64_1xb32-4000it_shapes-world-video-motion.py
# python tools/test.py configs/clip4clip/clip4clip_seqtransf_rn-tiny-64_1xb32-4000it_shapes-world-video-motion.py \
#     work_dirs/clip4clip_seqtransf_rn-tiny-64_1xb32-4000it_shapes-world-video-motion/iter_4000.pth
from mmengine.config import read_base
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop, TestLoop, ValLoop
from torch.optim import AdamW

from clipx.video import CLIP4Clip, TemporalTransformer

with read_base():
    from .._base_.datasets.shapes_world_video_motion import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.frozen_clip_rn_tiny_64 import *  # noqa: F401,F403

max_iters = 4000
warmup_iters = 100

model = dict(
    type=CLIP4Clip,
    clip=clip,  # noqa: F405
    aggregator=dict(
        type=TemporalTransformer,
        num_layers=3,
        max_frames=num_frames,  # noqa: F405
        init_from_text=False,
        position_std=0.1,
    ),
    learnable_logit_scale=True,
)
train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=1000)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=2e-3, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1),
    paramwise_cfg=dict(flat_decay_mult=0.0, custom_keys={"log_logit_scale": dict(decay_mult=0.0)}),
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
default_hooks["logger"].update(interval=100)  # noqa: F405
default_hooks["checkpoint"].update(interval=1000, max_keep_ckpts=2)  # noqa: F405
log_processor.update(window_size=100)  # noqa: F405
