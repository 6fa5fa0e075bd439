# PASCAL VOC 2012 (20 classes + background) in mmseg's layout, 480 x 480 training crops:
#   data/VOCdevkit/VOC2012/JPEGImages/*.jpg, SegmentationClass/*.png (255 = boundary, ignored)
#   data/VOCdevkit/VOC2012/ImageSets/Segmentation/{train,val}.txt
from mmcv.transforms import LoadImageFromFile, RandomFlip, RandomResize, Resize
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmseg.datasets import PascalVOCDataset
from mmseg.datasets.transforms import (
    LoadAnnotations,
    PackSegInputs,
    PhotoMetricDistortion,
    RandomCrop,
)
from mmseg.evaluation import IoUMetric

data_root = "data/VOCdevkit/VOC2012"
crop_size = (480, 480)
train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=LoadAnnotations),
    dict(type=RandomResize, scale=(2048, 480), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type=RandomCrop, crop_size=crop_size, cat_max_ratio=0.75),
    dict(type=RandomFlip, prob=0.5),
    dict(type=PhotoMetricDistortion),
    dict(type=PackSegInputs),
]
test_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=Resize, scale=(2048, 480), keep_ratio=True),
    dict(type=LoadAnnotations),
    dict(type=PackSegInputs),
]
voc = dict(
    type=PascalVOCDataset,
    data_root=data_root,
    data_prefix=dict(img_path="JPEGImages", seg_map_path="SegmentationClass"),
)
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    dataset=dict(voc, ann_file="ImageSets/Segmentation/train.txt", pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(voc, ann_file="ImageSets/Segmentation/val.txt", pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type=IoUMetric, iou_metrics=["mIoU"])
test_evaluator = val_evaluator
