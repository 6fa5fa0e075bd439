# CLIP4Clip seqTransf on shapes-world clips with motion captions ("a red circle that moves left and
# a blue square going up"). The tiny CLIP stays frozen; the temporal transformer (3 blocks copied
# from the tiny CLIP's text transformer, whose width equals the embedding dimension, 128) and a
# copy of the temperature train. With the image tower frozen and uniform frame sampling, a clip's
# frame embeddings never change, so they are computed once (tools/video_precompute.py) and the
# training reads them from work_dirs/clip4clip_frames/ (VideoFeaturePairs); validation and test
# decode the videos.
# Batches hold whole direction groups, so clips that differ only in direction are the negatives.
# Validation and test use the `test_directions` split: groups of 4 clips that look the same and
# differ only in direction, in time-reversed pairs, which an order-blind meanP cannot tell apart
# (`reversal_acc`: own clip above its reversed twin, chance 50%).
# python tools/generate_shapes_world_video.py --out data/shapes_world_video
# python tools/video_precompute.py configs/clip4clip/clip4clip_seqtransf_rn-tiny-64_1xb32-2000it_shapes-world-video-motion.py
# python tools/train.py configs/clip4clip/clip4clip_seqtransf_rn-tiny-64_1xb32-2000it_shapes-world-video-motion.py
# python tools/test.py configs/clip4clip/clip4clip_seqtransf_rn-tiny-64_1xb32-2000it_shapes-world-video-motion.py \
#     work_dirs/clip4clip_seqtransf_rn-tiny-64_1xb32-2000it_shapes-world-video-motion/iter_2000.pth
from mmengine.dataset import DefaultSampler, pseudo_collate
from mmengine.hooks import CheckpointHook, IterTimerHook, LoggerHook, ParamSchedulerHook
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop, TestLoop, ValLoop
from torch.optim import AdamW

from clipx.backbone import FrozenCLIP
from clipx.data.classification import clip_eval_transform
from clipx.data.samplers import GroupedInfiniteSampler
from clipx.evaluation.video_retrieval import VideoTextRetrieval
from clipx.video import (
    CLIP4Clip,
    TemporalTransformer,
    VideoFeaturePairs,
    VideoTextDataset,
    VideoTextPairs,
)

default_scope = "clipx"
data_root = "data/shapes_world_video"
checkpoint = "work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt"
num_frames = 12
batch_size = 32
max_iters = 2000
warmup_iters = 100
lr = 2e-3

clip = dict(type=FrozenCLIP, model_name="clipx-RN-tiny-64", checkpoint=checkpoint)
model = dict(
    type=CLIP4Clip,
    clip=clip,
    aggregator=dict(type=TemporalTransformer, num_layers=3, max_frames=num_frames),
    learnable_logit_scale=True,
)
video_data = dict(
    video_root=f"{data_root}/videos",
    transform=dict(type=clip_eval_transform, clip=clip),
    num_frames=num_frames,
    on_error="skip",
)
eval_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    sampler=dict(type=DefaultSampler, shuffle=False),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=VideoTextDataset,
        ann_file=f"{data_root}/annotations/test_directions_motion.csv",
        **video_data,
    ),
)
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,  # the frame embeddings are in memory
    # whole direction groups per batch: clips that differ only in direction are the negatives
    sampler=dict(type=GroupedInfiniteSampler, group_size=4),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=VideoFeaturePairs,
        feature_dir="work_dirs/clip4clip_frames/shapes-world-video_train_motion_rn-tiny-64",
        source=dict(
            type=VideoTextPairs, ann_file=f"{data_root}/annotations/train_motion.json", **video_data
        ),
        clip=clip,
    ),
)
val_dataloader = eval_dataloader
test_dataloader = eval_dataloader
reversal_pairs = f"{data_root}/annotations/test_directions_reversal_pairs.json"
val_evaluator = dict(type=VideoTextRetrieval, ks=(1, 5, 10), reversal_pairs=reversal_pairs)
test_evaluator = dict(
    type=VideoTextRetrieval, ks=(1, 5, 10), dual_softmax=True, reversal_pairs=reversal_pairs
)

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=500)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1),
    paramwise_cfg=dict(flat_decay_mult=0.0, custom_keys={"log_logit_scale": dict(decay_mult=0.0)}),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(
        type=CosineAnnealingLR, by_epoch=False, begin=warmup_iters, end=max_iters, eta_min=lr * 0.01
    ),
]
default_hooks = dict(
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=100),
    param_scheduler=dict(type=ParamSchedulerHook),
    checkpoint=dict(type=CheckpointHook, interval=500, by_epoch=False, max_keep_ckpts=2),
)
log_processor = dict(by_epoch=False, window_size=100)
randomness = dict(seed=0)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
log_level = "INFO"
