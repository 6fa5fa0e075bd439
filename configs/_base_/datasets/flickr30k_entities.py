# Flickr30k entities phrase grounding in MDETR's layout (mmdet's Flickr30kDataset):
# data/flickr30k_entities/final_flickr_separateGT_{val,test}.json over flickr30k_images/;
# Recall@1/5/10 (mmdet's Flickr30kMetric).
from mmcv.transforms import LoadImageFromFile
from mmdet.datasets import Flickr30kDataset
from mmdet.datasets.transforms import FixScaleResize, LoadAnnotations, PackDetInputs
from mmdet.evaluation import Flickr30kMetric
from mmengine.dataset import DefaultSampler, pseudo_collate

data_root = "data/flickr30k_entities/"
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
            "phrase_ids",
            "phrases",
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
        type=Flickr30kDataset,
        data_root=data_root,
        ann_file="final_flickr_separateGT_val.json",
        data_prefix=dict(img="flickr30k_images/"),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_evaluator = dict(type=Flickr30kMetric, topk=(1, 5, 10, -1))
