# Zero-shot CLIP4Clip meanP with OpenAI's ViT-B/32 on MSR-VTT 1k-A (1000 test videos, one caption
# each). Documented, not run here: it needs the MSR-VTT videos and the published weights.
# The CLIP4Clip paper's numbers for reference: configs/clip4clip/metafile.yml. Its fine-tuning
# recipe trains the whole CLIP (lr 1e-7) and the new modules (lr 1e-4), batch 128, 5 epochs:
# train with clipx.VideoTextPairs on MSRVTT_data.json + video_list=MSRVTT_train.9k.csv.
#
# python tools/test.py configs/clip4clip/clip4clip_meanp_vit-b32-openai_msrvtt-1k-a.py --out msrvtt.json
# Offline: replace pretrained="openai" by checkpoint="<path to ViT-B-32 openai weights>".
from mmengine.config import read_base

from clipx.video import CLIP4Clip, MeanPooling

with read_base():
    from .._base_.datasets.msrvtt_1k_a import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.frozen_clip_vit_b32_openai import *  # noqa: F401,F403
    from .._base_.schedules.test_only import *  # noqa: F401,F403

model = dict(type=CLIP4Clip, clip=clip, aggregator=dict(type=MeanPooling))  # noqa: F405
