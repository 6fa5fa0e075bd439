# RefCOCO referring expressions in MDETR's layout (mmdet's MDETRStyleRefCocoDataset):
# data/coco/mdetr_annotations/finetune_refcoco_{val,testA,testB}.json over data/coco/train2014/;
# the whole expression is the phrase; precision@1/5/10 at IoU 0.5 (mmdet's RefExpMetric).
from mmcv.transforms import LoadImageFromFile
from mmdet.datasets import MDETRStyleRefCocoDataset
from mmdet.datasets.transforms import FixScaleResize, LoadAnnotations, PackDetInputs
from mmdet.evaluation import RefExpMetric
from mmengine.dataset import DefaultSampler, pseudo_collate

data_root = "data/coco/"
ann_file = "mdetr_annotations/finetune_refcoco_val.json"
test_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=FixScaleResize, scale=(800, 1333), keep_ratio=True),
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
            "tokens_positive",
        ),
    ),
]
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=MDETRStyleRefCocoDataset,
        data_root=data_root,
        ann_file=ann_file,
        data_prefix=dict(img="train2014/"),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_evaluator = dict(
    type=RefExpMetric, ann_file=data_root + ann_file, metric="bbox", topk=(1, 5, 10)
)
