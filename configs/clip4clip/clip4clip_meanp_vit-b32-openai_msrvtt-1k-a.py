# Zero-shot CLIP4Clip meanP with OpenAI's ViT-B/32 on MSR-VTT 1k-A (1000 test videos, one caption
# each). Documented, not run here: it needs the MSR-VTT videos and the published weights.
#
# Layout (CLIP4Clip's data release):
#   data/msrvtt/MSRVTT_JSFUSION_test.csv   key,vid_key,video_id,sentence  (the 1k-A test split)
#   data/msrvtt/videos/all/<video_id>.mp4
# Frames: 1 per second, then 12 spread uniformly (CLIP4Clip's sampling).
# Reported for reference (CLIP4Clip paper, t2v R@1 on 1k-A): zero-shot CLIP ("CLIP-straight")
# about 31; CLIP4Clip fine-tuned on the 9k training videos: meanP 42.1, seqTransf 44.5. The
# fine-tuning recipe trains the whole CLIP (lr 1e-7) and the new modules (lr 1e-4), batch 128,
# 5 epochs: train with clipx.VideoTextPairs on MSRVTT_data.json + video_list=MSRVTT_train.9k.csv.
#
# python tools/test.py configs/clip4clip/clip4clip_meanp_vit-b32-openai_msrvtt-1k-a.py --out msrvtt.json
# Offline: replace pretrained="openai" by checkpoint="<path to ViT-B-32 openai weights>".
from mmengine.config import read_base
from mmengine.dataset import pseudo_collate

from clipx.backbone import FrozenCLIP
from clipx.data.classification import clip_eval_transform
from clipx.evaluation.video_retrieval import VideoTextRetrieval
from clipx.video import CLIP4Clip, MeanPooling, VideoTextDataset

with read_base():
    from .._base_.zeroshot_runtime import *  # noqa: F401,F403

data_root = "data/msrvtt"
clip = dict(type=FrozenCLIP, model_name="ViT-B-32", pretrained="openai")
model = dict(type=CLIP4Clip, clip=clip, aggregator=dict(type=MeanPooling))
test_dataloader.update(  # noqa: F405
    batch_size=16,
    num_workers=8,
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
