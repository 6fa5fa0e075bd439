# The zero-shot segmentation benchmarks of GroupViT, in mmseg's layouts, short side 448, whole
# images (batch 1): PASCAL VOC 2012 val (20 classes + background), PASCAL Context val (59 + background),
# COCO-Object val2017 (80 things + background; maps written once by
# projects/groupvit/tools/convert_coco_object.py). Each evaluation config picks one.
#   data/VOCdevkit/VOC2012/{JPEGImages,SegmentationClass,ImageSets/Segmentation/val.txt}
#   data/VOCdevkit/VOC2010/{JPEGImages,SegmentationClassContext,ImageSets/SegmentationContext/val.txt}
#   data/coco/{images/val2017,annotations/object_val2017}
from mmcv.transforms import LoadImageFromFile, Resize
from mmengine.dataset import DefaultSampler
from mmseg.datasets import PascalContextDataset, PascalVOCDataset
from mmseg.datasets.transforms import LoadAnnotations, PackSegInputs
from mmseg.evaluation import IoUMetric

from projects.groupvit.groupvit import COCOObjectDataset

test_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=Resize, scale=(2048, 448), keep_ratio=True),
    dict(type=LoadAnnotations),
    dict(type=PackSegInputs),
]
voc12_val = dict(
    type=PascalVOCDataset,
    data_root="data/VOCdevkit/VOC2012",
    data_prefix=dict(img_path="JPEGImages", seg_map_path="SegmentationClass"),
    ann_file="ImageSets/Segmentation/val.txt",
    pipeline=test_pipeline,
)
pascal_context_val = dict(
    type=PascalContextDataset,
    data_root="data/VOCdevkit/VOC2010",
    data_prefix=dict(img_path="JPEGImages", seg_map_path="SegmentationClassContext"),
    ann_file="ImageSets/SegmentationContext/val.txt",
    pipeline=test_pipeline,
)
coco_object_val = dict(
    type=COCOObjectDataset,
    data_root="data/coco",
    data_prefix=dict(img_path="images/val2017", seg_map_path="annotations/object_val2017"),
    ann_file="",  # every image of the folder
    pipeline=test_pipeline,
)
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=voc12_val,
)
test_evaluator = dict(type=IoUMetric, iou_metrics=["mIoU"])
