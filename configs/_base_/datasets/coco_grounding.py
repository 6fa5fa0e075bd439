# COCO detection as grounding (GLIP's fine-tuning on COCO): the prompt is the 80 category names,
# GLIP's multi-scale training at 480-800 px short side; images in data/coco/{train2017,val2017},
# annotations/instances_{train,val}2017.json. Evaluated with mmdet's COCO metric.
from mmcv.transforms import LoadImageFromFile, RandomChoiceResize
from mmdet.datasets import CocoDataset
from mmdet.datasets.transforms import (
    FilterAnnotations,
    FixScaleResize,
    GTBoxSubOne_GLIP,
    LoadAnnotations,
    PackDetInputs,
    RandomFlip_GLIP,
)
from mmdet.evaluation import CocoMetric
from mmengine.dataset import DefaultSampler, InfiniteSampler, pseudo_collate

data_root = "data/coco/"
train_scales = [(1333, 480), (1333, 560), (1333, 640), (1333, 720), (1333, 800)]
test_scale = (800, 1333)

train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=LoadAnnotations, with_bbox=True),
    dict(type=GTBoxSubOne_GLIP),
    dict(type=RandomChoiceResize, scales=train_scales, keep_ratio=True, resize_type=FixScaleResize),
    dict(type=RandomFlip_GLIP, prob=0.5),
    dict(type=FilterAnnotations, min_gt_bbox_wh=(1, 1)),
    dict(
        type=PackDetInputs,
        meta_keys=(
            "img_id",
            "img_path",
            "ori_shape",
            "img_shape",
            "scale_factor",
            "flip",
            "flip_direction",
            "text",
            "custom_entities",
        ),
    ),
]
test_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=FixScaleResize, scale=test_scale, keep_ratio=True),
    dict(type=LoadAnnotations, with_bbox=True),
    dict(
        type=PackDetInputs,
        meta_keys=(
            "img_id",
            "img_path",
            "ori_shape",
            "img_shape",
            "scale_factor",
            "text",
            "custom_entities",
        ),
    ),
]
train_dataloader = dict(
    batch_size=4,  # per GPU; 8 GPUs
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=CocoDataset,
        data_root=data_root,
        ann_file="annotations/instances_train2017.json",
        data_prefix=dict(img="train2017/"),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        return_classes=True,  # the prompt: the category names
        pipeline=train_pipeline,
    ),
)
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=CocoDataset,
        data_root=data_root,
        ann_file="annotations/instances_val2017.json",
        data_prefix=dict(img="val2017/"),
        test_mode=True,
        return_classes=True,
        pipeline=test_pipeline,
    ),
)
test_evaluator = dict(
    type=CocoMetric, ann_file=f"{data_root}annotations/instances_val2017.json", metric="bbox"
)
