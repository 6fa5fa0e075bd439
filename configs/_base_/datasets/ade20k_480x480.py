# ADE20K (150 classes) in mmseg's layout, 480 x 480 training crops:
#   data/ade/ADEChallengeData2016/images/{training,validation}/*.jpg
#   data/ade/ADEChallengeData2016/annotations/{training,validation}/*.png   (0 = other, ignored)
from mmcv.transforms import LoadImageFromFile, RandomFlip, RandomResize, Resize
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmseg.datasets import ADE20KDataset
from mmseg.datasets.transforms import (
    LoadAnnotations,
    PackSegInputs,
    PhotoMetricDistortion,
    RandomCrop,
)
from mmseg.evaluation import IoUMetric

data_root = "data/ade/ADEChallengeData2016"
crop_size = (480, 480)
train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=LoadAnnotations, reduce_zero_label=True),
    dict(type=RandomResize, scale=(2048, 480), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type=RandomCrop, crop_size=crop_size, cat_max_ratio=0.75),
    dict(type=RandomFlip, prob=0.5),
    dict(type=PhotoMetricDistortion),
    dict(type=PackSegInputs),
]
test_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=Resize, scale=(2048, 480), keep_ratio=True),
    dict(type=LoadAnnotations, reduce_zero_label=True),
    dict(type=PackSegInputs),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    dataset=dict(
        type=ADE20KDataset,
        data_root=data_root,
        data_prefix=dict(img_path="images/training", seg_map_path="annotations/training"),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=ADE20KDataset,
        data_root=data_root,
        data_prefix=dict(img_path="images/validation", seg_map_path="annotations/validation"),
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type=IoUMetric, iou_metrics=["mIoU"])
test_evaluator = val_evaluator
