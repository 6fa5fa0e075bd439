# GLIP (deep fusion) on OpenAI's frozen RN50 CLIP, COCO detection as grounding: the 80 names are
# the prompt, 90k iterations at 8 x 4 images (mmdet's 1x); COCO val2017 with mmdet's COCO metric.
# Layout: data/coco/{train2017,val2017}, data/coco/annotations/instances_{train,val}2017.json.
# torchrun --nproc_per_node=8 tools/train.py configs/glip/glip_rn50-openai-fpn_8xb4-90k_coco.py --launcher pytorch
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.coco_grounding import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.glip_rn50_openai_fpn import *  # noqa: F401,F403
    from .._base_.schedules.glip_adamw_90k import *  # noqa: F401,F403

default_hooks.update(checkpoint=dict(interval=10_000))  # noqa: F405
