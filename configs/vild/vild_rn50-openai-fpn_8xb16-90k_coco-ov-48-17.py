# ViLD (text + image distillation) on open-vocabulary COCO: 48 base / 17 novel categories (the
# OVR-CNN / ViLD split), OpenAI RN50 CLIP as the shared frozen backbone. Documented, not run here.
#   1. ViLD-text:  tools/train.py with model.roi_head.distill_weight=0 and the plain train pipeline
#      (configs/vild/vild-text_... style), or a proposals json of your own
#   2. tools/vild_precompute.py THIS_CONFIG --checkpoint <ViLD-text .pth> --num-regions 300
#   3. torchrun --nproc_per_node=8 tools/train.py THIS_CONFIG --launcher pytorch
#   4. tools/test.py THIS_CONFIG <ckpt>: coco/base_bbox_mAP(_50), coco/novel_bbox_mAP(_50)
# The paper's numbers on this split: configs/vild/metafile.yml.
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.coco_ov_48_17 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.vild_rn50_openai_fpn import *  # noqa: F401,F403
    from .._base_.schedules.vild_sgd_cosine_90k import *  # noqa: F401,F403

model["roi_head"].update(distill_weight=0.5)  # noqa: F405
default_hooks["checkpoint"].update(interval=10000)  # noqa: F405
