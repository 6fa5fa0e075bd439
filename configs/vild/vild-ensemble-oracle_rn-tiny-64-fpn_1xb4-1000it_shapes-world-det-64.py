# The supervised oracle of vild-ensemble_rn-tiny-64-fpn_...: the same two-head detector, schedule,
# images and ViLD-image targets, trained on every box (annotations/train_all.json: star and
# hexagon included) with all six names as its vocabulary, so every class counts as base in the
# ensemble. Open-vocabulary ViLD-ensemble's novel AP50 is read as a fraction of this one's.
# Needs the region embeddings of tools/vild_precompute.py (see the ViLD config).
# python tools/train.py configs/vild/vild-ensemble-oracle_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_det_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.vild_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.vild_sgd_cosine_1k import *  # noqa: F401,F403

model["roi_head"].update(distill_weight=0.5, ensemble=True, ensemble_text_weight=2 / 3)  # noqa: F405
model["roi_head"]["bbox_head"].update(image_head=True)  # noqa: F405
train_dataloader["dataset"].update(  # noqa: F405
    split="all",
    ann_file="annotations/train_all.json",
    pipeline=distill_train_pipeline,  # noqa: F405
)
