# CLIP4Clip meanP (the parameter-free mean of the frame embeddings) with the tiny CLIP pretrained
# on shapes world: text-to-video and video-to-text retrieval on held-out shapes-world clips with
# static captions ("a red circle and a small blue square"), 3 per clip. Nothing is trained.
# python tools/generate_shapes_world_video.py --out data/shapes_world_video
# python tools/test.py configs/clip4clip/clip4clip_meanp_rn-tiny-64_shapes-world-video.py --out meanp.json
# Pictures of the top-5 videos of 8 captions: add --cfg-options custom_hooks.0.show_dir=work_dirs/show
from mmengine.config import read_base
from mmengine.dataset import pseudo_collate

from clipx.backbone import FrozenCLIP
from clipx.data.classification import clip_eval_transform
from clipx.evaluation.video_retrieval import VideoTextRetrieval
from clipx.video import CLIP4Clip, MeanPooling, VideoRetrievalVisHook, VideoTextDataset

with read_base():
    from .._base_.zeroshot_runtime import *  # noqa: F401,F403

data_root = "data/shapes_world_video"
checkpoint = "work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt"
clip = dict(type=FrozenCLIP, model_name="clipx-RN-tiny-64", checkpoint=checkpoint)
model = dict(type=CLIP4Clip, clip=clip, aggregator=dict(type=MeanPooling))
test_dataloader.update(  # noqa: F405
    batch_size=32,
    num_workers=2,
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
custom_hooks = [dict(type=VideoRetrievalVisHook, show_dir=None, num_queries=8, topk=5)]
