# The supervised oracle of lseg_rn-tiny-64_...: the same model, schedule and training images, but
# trained with every class labelled (ann_dir/train_all: star and hexagon included) and the full
# vocabulary. Open-vocabulary transfer is measured against it: how much of the oracle's novel mIoU
# the base-only head reaches without ever seeing a star or hexagon mask. The evaluator still
# splits base and novel, so the two configs' numbers sit side by side.
# python tools/train.py configs/lseg/lseg-oracle_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py
# python tools/test.py configs/lseg/lseg-oracle_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py \
#     work_dirs/lseg-oracle_rn-tiny-64_1xb16-1000it_shapes-world-64x64/iter_1000.pth
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_seg_64x64 import *  # noqa: F401,F403
    from .._base_.models.lseg_rn_tiny_64 import *  # noqa: F401,F403
    from .._base_.schedules.lseg_adamw_cosine_1k import *  # noqa: F401,F403
    from .._base_.seg_runtime import *  # noqa: F401,F403

model.update(class_names=classes)  # noqa: F405
train_dataloader["dataset"].update(  # noqa: F405
    data_prefix=dict(img_path="img_dir/train", seg_map_path="ann_dir/train_all"),
    metainfo=dict(classes=classes),  # noqa: F405
)
