# ViLD-ensemble on shapes world: separate text and image heads (the image head learns only from the
# distillation), scores combined at test time by the weighted geometric mean: base classes
# text^(2/3) * image^(1/3), novel classes image^(2/3) * text^(1/3).
# Needs the region embeddings of tools/vild_precompute.py (see the ViLD config).
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_det_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.vild_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.vild_sgd_cosine_1k import *  # noqa: F401,F403

model["roi_head"].update(distill_weight=0.5, ensemble=True, ensemble_text_weight=2 / 3)  # noqa: F405
model["roi_head"]["bbox_head"].update(image_head=True)  # noqa: F405
train_dataloader["dataset"].update(pipeline=distill_train_pipeline)  # noqa: F405
