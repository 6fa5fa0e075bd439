# ViLD with two heads on shapes world, one training for both ViLD and ViLD-ensemble numbers: the text
# head learns from the text classifier loss and the distillation (ViLD), a separate image head from
# the distillation alone; testing scores with the ensemble (base text^(2/3) * image^(1/3), novel
# image^(2/3) * text^(1/3)); --cfg-options model.roi_head.ensemble=False scores with the text head
# alone (ViLD). The paper's ViLD-ensemble (text head without distillation) is
# vild-ensemble_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py.
# Needs the region embeddings of tools/vild_precompute.py (see the ViLD config).
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_det_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.vild_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.vild_sgd_cosine_1k import *  # noqa: F401,F403

model["roi_head"].update(  # noqa: F405
    distill_weight=0.5,
    distill_branches=("text", "image"),
    ensemble=True,
    ensemble_text_weight=2 / 3,
)
model["roi_head"]["bbox_head"].update(image_head=True)  # noqa: F405
train_dataloader["dataset"].update(pipeline=distill_train_pipeline)  # noqa: F405
