# Open-vocabulary COCO: 48 base / 17 novel categories (the OVR-CNN / ViLD split), at 1333 x 800.
# The split's jsons with the 65 categories (OVR-CNN's instances_train2017_seen_2.json, base boxes
# only, and instances_val2017_all_2.json); images in data/coco/{train2017,val2017}. Training
# reads the ViLD-image targets of 300 proposals per image from region_dir
# (tools/vild_precompute.py).
from mmcv.transforms import LoadImageFromFile
from mmdet.datasets.transforms import LoadAnnotations, PackDetInputs, RandomFlip, Resize
from mmengine.dataset import DefaultSampler, InfiniteSampler, pseudo_collate

from clipx.det import (
    LoadRegionEmbeddings,
    OpenVocabCocoDataset,
    OpenVocabCocoMetric,
    PackViLDInputs,
)

data_root = "data/coco/"
region_dir = "work_dirs/vild_regions_rn50-openai_coco-ov"
image_scale = (1333, 800)
novel_names = [
    "airplane", "bus", "cat", "dog", "cow", "elephant", "umbrella", "tie", "snowboard",
    "skateboard", "cup", "knife", "cake", "couch", "keyboard", "sink", "scissors",
]  # fmt: skip

train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=LoadAnnotations, with_bbox=True),
    dict(type=Resize, scale=image_scale, keep_ratio=True),
    dict(type=RandomFlip, prob=0.5),
    dict(type=PackViLDInputs),
]
# ViLD-image: the stored CLIP region embeddings follow the resize and flip
distill_train_pipeline = [
    *train_pipeline[:-1],
    dict(type=LoadRegionEmbeddings, region_dir=region_dir, num_regions=300),
    dict(type=PackViLDInputs),
]
test_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=Resize, scale=image_scale, keep_ratio=True),
    dict(type=LoadAnnotations, with_bbox=True),
    dict(
        type=PackDetInputs,
        meta_keys=("img_id", "img_path", "ori_shape", "img_shape", "scale_factor"),
    ),
]
train_dataloader = dict(
    batch_size=16,  # per GPU; 8 GPUs: 128 as in ViLD's R50 runs
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=OpenVocabCocoDataset,
        split="base",
        data_root=data_root,
        ann_file="annotations/instances_train2017_seen_2.json",
        data_prefix=dict(img="train2017/"),
        filter_cfg=dict(filter_empty_gt=True),
        novel_names=novel_names,
        pipeline=distill_train_pipeline,
    ),
)
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    sampler=dict(type=DefaultSampler, shuffle=False),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=OpenVocabCocoDataset,
        split="all",
        data_root=data_root,
        ann_file="annotations/instances_val2017_all_2.json",
        data_prefix=dict(img="val2017/"),
        test_mode=True,
        novel_names=novel_names,
        pipeline=test_pipeline,
    ),
)
test_evaluator = dict(
    type=OpenVocabCocoMetric, ann_file=f"{data_root}annotations/instances_val2017_all_2.json"
)
