# MSR-VTT 1k-A (1000 test videos, one caption each), CLIP4Clip's data release:
#   data/msrvtt/MSRVTT_JSFUSION_test.csv   key,vid_key,video_id,sentence  (the 1k-A test split)
#   data/msrvtt/videos/all/<video_id>.mp4
# Frames: 1 per second, then 12 spread uniformly (CLIP4Clip's sampling), prepared by the
# backbone's own preprocessing (here OpenAI's ViT-B/32).
from mmengine.config import read_base
from mmengine.dataset import DefaultSampler, pseudo_collate

from clipx.data.classification import clip_eval_transform
from clipx.evaluation.video_retrieval import VideoTextRetrieval
from clipx.video import VideoTextDataset

with read_base():
    from ..models.frozen_clip_vit_b32_openai import clip

data_root = "data/msrvtt"
test_dataloader = dict(
    batch_size=16,
    num_workers=8,
    sampler=dict(type=DefaultSampler, shuffle=False),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=VideoTextDataset,
        ann_file=f"{data_root}/MSRVTT_JSFUSION_test.csv",
        video_root=f"{data_root}/videos/all",
        transform=dict(type=clip_eval_transform, clip=clip),
        num_frames=12,
        sampling="fps",
        target_fps=1.0,
        # keep the 1000-video gallery of the benchmark: an unreadable video stays, as a miss
        on_error="empty",
    ),
)
test_evaluator = dict(type=VideoTextRetrieval, ks=(1, 5, 10), dual_softmax=True)
