# The training-free detection baseline (ViLD's "CLIP on cropped regions"): no classifier is trained.
# The proposals are those of a trained ViLD-text's RPN (class-agnostic, trained on the 4 base
# shapes' boxes); each proposal is blanked outside its box (the crop mode the tiny CLIP reads best,
# as for ViLD-image's targets), named by the frozen CLIP against all 6 shape names (temperature
# 0.01, CLIP's own), and scored p(shape)^(1/4) * objectness^(3/4), proposals kept as boxes.
# The objectness weight was picked on own val from 0, 1/4, 1/2, 3/4 (base / novel AP50 15.1 /
# 16.6, 74.9 / 70.5, 75.8 / 73.7, 76.8 / 76.9): CLIP alone ranks background crops too high.
# Read it against ViLD-text and ViLD-ensemble: what training a detector adds over CLIP alone.
# python tools/test.py configs/vild/vild-clip-crops_rn-tiny-64-fpn_shapes-world-det-64.py \
#     work_dirs/vild-text_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64/iter_1000.pth
from mmengine.config import read_base

from clipx.det import CLIPOnCrops

with read_base():
    from .._base_.datasets.shapes_world_det_64 import (  # noqa: F401
        test_dataloader,
        test_evaluator,
    )
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.vild_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.test_only import *  # noqa: F401,F403

model.update(  # noqa: F405
    type=CLIPOnCrops,
    crop_scales=(1.0, 1.5),
    crop_mode=region_crop_mode,  # noqa: F405
    temperature=0.01,
    objectness_weight=0.75,
)
