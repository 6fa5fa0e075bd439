# Shapes-world clips with motion captions ("a red circle that moves left and a blue square going
# up"; python tools/generate_shapes_world_video.py --out data/shapes_world_video). Training reads
# the frozen tiny CLIP's frame embeddings of the training clips, computed once
# (tools/video_precompute.py) into feature_dir; batches hold whole direction groups, so clips that
# differ only in direction are the negatives. Validation and test decode the `test_directions`
# split: groups of 4 clips that look the same and differ only in direction, in time-reversed
# pairs (`reversal_acc`: own clip above its reversed twin, chance 50%).
# Augmentation: none per step (the frozen frame embeddings are cached); any variation is the
# generator's per-clip rendering (by default half of the clips varied, fixed over a clip).
from mmengine.config import read_base
from mmengine.dataset import DefaultSampler, pseudo_collate

from clipx.data.classification import clip_eval_transform
from clipx.data.samplers import GroupedInfiniteSampler
from clipx.evaluation.video_retrieval import VideoTextRetrieval
from clipx.video import VideoFeaturePairs, VideoTextDataset, VideoTextPairs

with read_base():
    from ..models.frozen_clip_rn_tiny_64 import clip

data_root = "data/shapes_world_video"
num_frames = 12
video_data = dict(
    video_root=f"{data_root}/videos",
    transform=dict(type=clip_eval_transform, clip=clip),
    num_frames=num_frames,
    on_error="skip",
)
eval_dataloader = dict(
    batch_size=32,
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
    batch_size=32,
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
