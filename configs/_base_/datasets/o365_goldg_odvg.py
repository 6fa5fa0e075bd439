# GLIP-T's pretraining data in mmdet's ODVG layout (as mmdet's MM-Grounding-DINO prepares it):
# Objects365 v1 detection lines with their label map, and GoldG grounding lines (GQA and
# Flickr30k entities, COCO images removed). Detection lines become a prompt of the present names
# plus sampled negatives that fits max_tokens, counted with CLIP's tokenizer. Evaluated zero-shot
# on COCO val2017 with the 80 names as the prompt (coco_grounding's test split).
from mmcv.transforms import LoadImageFromFile, RandomChoiceResize
from mmdet.datasets import ODVGDataset
from mmdet.datasets.transforms import (
    FilterAnnotations,
    FixScaleResize,
    GTBoxSubOne_GLIP,
    LoadAnnotations,
    PackDetInputs,
)
from mmengine.config import read_base
from mmengine.dataset import ConcatDataset, InfiniteSampler, pseudo_collate

from clipx.det import CLIPRandomSamplingNegPos

with read_base():
    from .coco_grounding import test_dataloader, test_evaluator, train_scales  # noqa: F401

clip_model_name = "RN50"  # whose tokenizer budgets the sampled prompts
prompt_tokens = 256  # the language model's max_tokens

# No flips: grounding captions say "left" and "right".
train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=LoadAnnotations, with_bbox=True),
    dict(type=GTBoxSubOne_GLIP),
    dict(type=RandomChoiceResize, scales=train_scales, keep_ratio=True, resize_type=FixScaleResize),
    dict(type=FilterAnnotations, min_gt_bbox_wh=(1, 1)),
    dict(
        type=CLIPRandomSamplingNegPos,
        model_name=clip_model_name,
        max_tokens=prompt_tokens,
        num_sample_negative=85,
    ),
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
o365 = dict(
    type=ODVGDataset,
    data_root="data/objects365v1/",
    ann_file="o365v1_train_odvg.json",
    label_map_file="o365v1_label_map.json",
    data_prefix=dict(img="train/"),
    filter_cfg=dict(filter_empty_gt=False),
    return_classes=True,
    pipeline=train_pipeline,
)
gqa = dict(
    type=ODVGDataset,
    data_root="data/gqa/",
    ann_file="final_mixed_train_no_coco_vg.json",
    data_prefix=dict(img="images/"),
    filter_cfg=dict(filter_empty_gt=False),
    return_classes=True,
    pipeline=train_pipeline,
)
flickr30k = dict(
    type=ODVGDataset,
    data_root="data/flickr30k_entities/",
    ann_file="final_flickr_separateGT_train_vg.json",
    data_prefix=dict(img="flickr30k_images/"),
    filter_cfg=dict(filter_empty_gt=False),
    return_classes=True,
    pipeline=train_pipeline,
)
train_dataloader = dict(
    batch_size=4,  # per GPU; 8 GPUs
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(type=ConcatDataset, datasets=[o365, gqa, flickr30k]),
)
