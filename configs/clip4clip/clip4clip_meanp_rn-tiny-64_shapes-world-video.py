# CLIP4Clip meanP (the parameter-free mean of the frame embeddings) with the tiny CLIP pretrained
# on shapes world: text-to-video and video-to-text retrieval on held-out shapes-world clips with
# static captions. Nothing is trained.
# python tools/generate_shapes_world_video.py --out data/shapes_world_video
# python tools/test.py configs/clip4clip/clip4clip_meanp_rn-tiny-64_shapes-world-video.py --out meanp.json
# Pictures of the top-5 videos of 8 captions: add --cfg-options custom_hooks.0.show_dir=work_dirs/show
from mmengine.config import read_base

from clipx.video import CLIP4Clip, MeanPooling, VideoRetrievalVisHook

with read_base():
    from .._base_.datasets.shapes_world_video_static import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.frozen_clip_rn_tiny_64 import *  # noqa: F401,F403
    from .._base_.schedules.test_only import *  # noqa: F401,F403

model = dict(type=CLIP4Clip, clip=clip, aggregator=dict(type=MeanPooling))  # noqa: F405
custom_hooks = [dict(type=VideoRetrievalVisHook, show_dir=None, num_queries=8, topk=5)]
