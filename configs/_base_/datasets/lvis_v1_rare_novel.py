# LVIS v1 with the 337 rare categories novel (their boxes dropped from training), frequent +
# common base; the pipelines and loaders of datasets/coco_ov_48_17.py (LVIS labels COCO's
# images). data/lvis/lvis_v1_{train,val}.json; images in data/coco/{train2017,val2017} (LVIS names
# them by their COCO url). The metric adds APr / APc / APf (COCO protocol per frequency group;
# LVIS's federated evaluation needs the lvis package).
from mmengine.config import read_base

from clipx.det import OpenVocabCocoDataset, OpenVocabCocoMetric

with read_base():
    from .coco_ov_48_17 import (
        distill_train_pipeline,
        test_dataloader,
        test_pipeline,
        train_dataloader,
    )

data_root = "data/"
region_dir = "work_dirs/vild_regions_rn50-openai_lvis-v1"
novel_frequencies = ["r"]

distill_train_pipeline[-2].update(region_dir=region_dir)
train_dataloader["dataset"] = dict(
    type=OpenVocabCocoDataset,
    split="base",
    data_root=data_root,
    ann_file="lvis/lvis_v1_train.json",
    data_prefix=dict(img="coco/"),
    filter_cfg=dict(filter_empty_gt=True),
    novel_frequencies=novel_frequencies,
    pipeline=distill_train_pipeline,
)
test_dataloader["dataset"] = dict(
    type=OpenVocabCocoDataset,
    split="all",
    data_root=data_root,
    ann_file="lvis/lvis_v1_val.json",
    data_prefix=dict(img="coco/"),
    test_mode=True,
    novel_frequencies=novel_frequencies,
    pipeline=test_pipeline,
)
test_evaluator = dict(
    type=OpenVocabCocoMetric,
    ann_file=f"{data_root}lvis/lvis_v1_val.json",
    novel_frequencies=novel_frequencies,
)
