# Shapes-world detection (python tools/generate_shapes_world.py --out data/shapes_world writes
# detection/): 128-px images, the 6 shapes as COCO categories, star and hexagon novel (their
# boxes are not in train.json; the objects stay in the images). Training resizes to the tiny
# CLIP's 64 px; ViLD-image crops come from the 128-px originals.
from mmcv.transforms import LoadImageFromFile
from mmdet.datasets.transforms import LoadAnnotations, PackDetInputs, RandomFlip, Resize
from mmengine.dataset import DefaultSampler, InfiniteSampler, pseudo_collate

from clipx.det import (
    LoadRegionEmbeddings,
    OpenVocabCocoDataset,
    OpenVocabCocoMetric,
    PackViLDInputs,
)

data_root = "data/shapes_world/detection/"
# tools/vild_precompute.py writes the ViLD-image targets here (from a trained ViLD-text's RPN)
region_dir = "work_dirs/vild_regions_rn-tiny-64_shapes-world"
image_size = 64

# Augmentation: horizontal flips. mmdet's PhotoMetricDistortion (hue included: the labels are
# shape names) raised ViLD-text's novel AP50 on independent drawings in two paired seeds, but
# ViLD-ensemble lost 8-12 novel points on own val and gained at most 1.4 on the independent
# family (README, "Photometric augmentation of the heads"), so it is not on.
train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=LoadAnnotations, with_bbox=True),
    dict(type=Resize, scale=(image_size, image_size), keep_ratio=True),
    dict(type=RandomFlip, prob=0.5),
    dict(type=PackViLDInputs),
]
# ViLD-image: the stored CLIP region embeddings follow the resize and flip
distill_train_pipeline = [
    *train_pipeline[:-1],
    dict(type=LoadRegionEmbeddings, region_dir=region_dir, num_regions=32),
    dict(type=PackViLDInputs),
]
test_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=Resize, scale=(image_size, image_size), keep_ratio=True),
    dict(type=LoadAnnotations, with_bbox=True),
    dict(
        type=PackDetInputs,
        meta_keys=("img_id", "img_path", "ori_shape", "img_shape", "scale_factor"),
    ),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=OpenVocabCocoDataset,
        split="base",  # novel shapes' boxes are not in train.json anyway; their images stay
        data_root=data_root,
        ann_file="annotations/train.json",
        data_prefix=dict(img="images/train/"),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline,
    ),
)
test_dataloader = dict(
    batch_size=8,
    num_workers=1,
    sampler=dict(type=DefaultSampler, shuffle=False),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=OpenVocabCocoDataset,
        split="all",
        data_root=data_root,
        ann_file="annotations/val.json",
        data_prefix=dict(img="images/val/"),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_evaluator = dict(type=OpenVocabCocoMetric, ann_file=f"{data_root}annotations/val.json")
