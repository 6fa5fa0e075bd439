# Text-video retrieval on held-out shapes-world clips with static captions ("a red circle and a
# small blue square"), 3 per clip (python tools/generate_shapes_world_video.py --out
# data/shapes_world_video); 12 frames a clip, prepared by the backbone's own preprocessing (here
# the tiny CLIP pretrained on shapes world).
from mmengine.config import read_base
from mmengine.dataset import DefaultSampler, pseudo_collate

from clipx.data.classification import clip_eval_transform
from clipx.evaluation.video_retrieval import VideoTextRetrieval
from clipx.video import VideoTextDataset

with read_base():
    from ..models.frozen_clip_rn_tiny_64 import clip

data_root = "data/shapes_world_video"
test_dataloader = dict(
    batch_size=32,
    num_workers=2,
    sampler=dict(type=DefaultSampler, shuffle=False),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=VideoTextDataset,
        ann_file=f"{data_root}/annotations/test_static.csv",
        video_root=f"{data_root}/videos",
        transform=dict(type=clip_eval_transform, clip=clip),
        num_frames=12,
        on_error="skip",
    ),
)
test_evaluator = dict(type=VideoTextRetrieval, ks=(1, 5, 10), dual_softmax=True)
