# Shapes-world grounding for GLIP (python tools/generate_shapes_world.py --out data/shapes_world
# writes it beside detection/): training reads mmdet's ODVG lines, detection lines (a prompt of the
# base names present plus sampled negatives) and grounding lines (a caption whose phrases name the
# base objects), both with star and hexagon left out; validation is the ViLD detection val split
# with the six names as the prompt. Images are resized to the tiny CLIP's 64 px. No flips: the
# captions say "left of" and "right of".
from mmcv.transforms import LoadImageFromFile
from mmdet.datasets import MDETRStyleRefCocoDataset, ODVGDataset
from mmdet.datasets.transforms import GTBoxSubOne_GLIP, LoadAnnotations, PackDetInputs, Resize
from mmdet.evaluation import RefExpMetric
from mmengine.dataset import ConcatDataset, DefaultSampler, InfiniteSampler, pseudo_collate

from clipx.det import (
    CLIPRandomSamplingNegPos,
    GroundingPhraseDataset,
    GroundingRecallMetric,
    OpenVocabCocoDataset,
    OpenVocabCocoMetric,
)

data_root = "data/shapes_world/detection/"
image_size = 64
clip_model_name = "clipx-RN-tiny-64"  # whose tokenizer budgets the sampled prompts
prompt_tokens = 64  # the language model's max_tokens

train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=LoadAnnotations, with_bbox=True),
    dict(type=GTBoxSubOne_GLIP),  # GLIP's box convention, which its head's targets follow
    dict(type=Resize, scale=(image_size, image_size), keep_ratio=True),
    dict(type=CLIPRandomSamplingNegPos, model_name=clip_model_name, max_tokens=prompt_tokens),
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
test_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=Resize, scale=(image_size, image_size), keep_ratio=True),
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


# ODVG datasets of the training images: detection lines (with a label map) and grounding lines
odvg_train = dict(
    type=ODVGDataset,
    data_root=data_root,
    data_prefix=dict(img="images/train/"),
    filter_cfg=dict(filter_empty_gt=True),
    return_classes=True,
    pipeline=train_pipeline,
)
od_train = dict(
    odvg_train,
    ann_file="annotations/train_od.odvg.jsonl",
    label_map_file="annotations/label_map.json",
)
vg_train = dict(odvg_train, ann_file="annotations/train_vg.odvg.jsonl")
# every box and phrase (the supervised oracle)
od_train_all = dict(
    od_train,
    ann_file="annotations/train_all_od.odvg.jsonl",
    label_map_file="annotations/label_map_all.json",
)
vg_train_all = dict(vg_train, ann_file="annotations/train_all_vg.odvg.jsonl")

train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=ConcatDataset,
        datasets=[od_train, vg_train],
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
        return_classes=True,  # the prompt: every category name, GLIP's detection mode
        pipeline=test_pipeline,
    ),
)
test_evaluator = dict(type=OpenVocabCocoMetric, ann_file=f"{data_root}annotations/val.json")

# Phrase grounding (Flickr30k entities style) and referring expressions (RefCOCO style) on the val
# images: the test-only configs configs/glip/*_phrase-grounding-64.py and *_refexp-64.py use these.
grounding_test_pipeline = [
    *test_pipeline[:-1],
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
            "phrase_types",
            "chance",
        ),
    ),
]
phrase_test_dataloader = dict(
    test_dataloader,
    dataset=dict(
        type=GroundingPhraseDataset,
        data_root=data_root,
        ann_file="annotations/val_grounding.json",
        data_prefix=dict(img="images/val/"),
        test_mode=True,
        pipeline=grounding_test_pipeline,
    ),
)
phrase_test_evaluator = dict(type=GroundingRecallMetric, topk=(1, 5, 10, -1))
refexp_test_dataloader = dict(
    test_dataloader,
    dataset=dict(
        type=MDETRStyleRefCocoDataset,
        data_root=data_root,
        ann_file="annotations/val_refexp.json",
        data_prefix=dict(img="images/val/"),
        test_mode=True,
        pipeline=grounding_test_pipeline,
    ),
)
refexp_test_evaluator = dict(
    type=RefExpMetric, ann_file=f"{data_root}annotations/val_refexp.json", topk=(1, 5, 10)
)
