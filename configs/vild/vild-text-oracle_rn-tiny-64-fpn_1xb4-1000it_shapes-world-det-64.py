# The supervised oracle of vild-text_rn-tiny-64-fpn_...: the same detector, schedule and training
# images, but trained on every box (annotations/train_all.json: star and hexagon included) with
# all six names as its vocabulary. Open-vocabulary transfer is measured against it: how much of
# the oracle's novel AP50 ViLD reaches without a single novel box.
# python tools/train.py configs/vild/vild-text-oracle_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py
# python tools/test.py configs/vild/vild-text-oracle_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py \
#     work_dirs/vild-text-oracle_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64/iter_1000.pth
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_det_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.vild_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.vild_sgd_cosine_1k import *  # noqa: F401,F403

train_dataloader["dataset"].update(split="all", ann_file="annotations/train_all.json")  # noqa: F405
