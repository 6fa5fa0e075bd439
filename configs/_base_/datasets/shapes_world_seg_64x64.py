# Shapes-world segmentation (64-px images, mmseg's img_dir/ann_dir layout; written by
# python tools/generate_shapes_world.py --out data/shapes_world): background + 6 shapes, of
# which `novel_classes` (the generator's --seg-novel) are unlabelled in training (255, ignored)
# and segmented zero-shot at test time. The metric reports mIoU over base and novel classes.
from mmcv.transforms import LoadImageFromFile, RandomFlip
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmseg.datasets.transforms import LoadAnnotations, PackSegInputs

from clipx.seg import OpenVocabIoUMetric, ShapesWorldSegDataset

data_root = "data/shapes_world/segmentation"
classes = ["background", "circle", "square", "triangle", "star", "hexagon", "cross"]
novel_classes = ["star", "hexagon"]  # tools/generate_shapes_world.py --seg-novel
base_classes = [c for c in classes if c not in novel_classes]

# Augmentation: horizontal flips. The rendering randomisation of the default (mixed) world
# already varies what photometric jitter would; mmseg's PhotoMetricDistortion (hue included:
# the labels are shape names) lowered own-val and independent mIoU in two paired seeds
# (README, "Photometric augmentation of the heads"), so it is not on.
train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=LoadAnnotations),
    dict(type=RandomFlip, prob=0.5),
    dict(type=PackSegInputs),
]
test_pipeline = [dict(type=LoadImageFromFile), dict(type=LoadAnnotations), dict(type=PackSegInputs)]
# 64-px PNGs load in well under a millisecond: no worker processes
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    dataset=dict(
        type=ShapesWorldSegDataset,
        data_root=data_root,
        data_prefix=dict(img_path="img_dir/train", seg_map_path="ann_dir/train"),
        # label values follow this list; the novel classes map to 255 (ignored)
        metainfo=dict(classes=base_classes),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=50,
    num_workers=0,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=ShapesWorldSegDataset,
        data_root=data_root,
        data_prefix=dict(img_path="img_dir/val", seg_map_path="ann_dir/val"),
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type=OpenVocabIoUMetric, iou_metrics=["mIoU"], novel_classes=novel_classes)
test_evaluator = val_evaluator
