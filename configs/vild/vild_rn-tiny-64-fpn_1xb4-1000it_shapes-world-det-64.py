# ViLD (text + image) on shapes world: ViLD-text plus an L1 distillation of CLIP's embeddings of the
# training images' proposal crops into the same region embedding (weight 0.5).
# First: python tools/vild_precompute.py configs/vild/vild_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py \
#     --checkpoint work_dirs/vild-text_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64/iter_<N>.pth --num-regions 32
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_det_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.vild_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.vild_sgd_cosine_1k import *  # noqa: F401,F403

model["roi_head"].update(distill_weight=0.5)  # noqa: F405
train_dataloader["dataset"].update(pipeline=distill_train_pipeline)  # noqa: F405
