# ViLD on the shapes-world detection set (128-px images, 6 shape categories, 2 of them novel),
# with the tiny ModifiedResNet CLIP pretrained on shapes world as the shared frozen backbone.
# The configs in configs/vild/ set the variant (ViLD-text, ViLD, ViLD-ensemble).
from mmcv.ops import RoIAlign
from mmcv.transforms import LoadImageFromFile
from mmdet.datasets.transforms import LoadAnnotations, PackDetInputs, RandomFlip, Resize
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmdet.models.dense_heads import RPNHead
from mmdet.models.losses import CrossEntropyLoss, L1Loss
from mmdet.models.necks import FPN
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
from mmdet.models.task_modules import (
    AnchorGenerator,
    BboxOverlaps2D,
    DeltaXYWHBBoxCoder,
    MaxIoUAssigner,
    RandomSampler,
)
from mmengine.dataset import DefaultSampler, InfiniteSampler, pseudo_collate
from mmengine.hooks import CheckpointHook, IterTimerHook, LoggerHook, ParamSchedulerHook
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop, TestLoop
from torch.optim import SGD

from clipx.backbone import FrozenCLIP
from clipx.det import (
    CLIPDetBackbone,
    LoadRegionEmbeddings,
    OpenVocabCocoDataset,
    OpenVocabCocoMetric,
    PackViLDInputs,
    ViLD,
    ViLDBBoxHead,
    ViLDRoIHead,
    VocabularyHook,
)

default_scope = "clipx"
# python tools/generate_shapes_world.py --out data/shapes_world   (writes detection/ among the rest)
data_root = "data/shapes_world/detection/"
# tools/vild_precompute.py writes the ViLD-image targets here (from a trained ViLD-text's RPN)
region_dir = "work_dirs/vild_regions_rn-tiny-64_shapes-world"
# the tiny CLIP knows shapes at the scale it was trained at: blank out everything but the box
# instead of resizing the box to fill CLIP's input (on 250 val images' true boxes: 88% named
# correctly at 1x+1.5x context, against 26% with ViLD's resized crops)
region_crop_mode = "mask"
# the generated 128-px images are resized to CLIP's own 64 px; ViLD-image crops come from the 128 px
image_size = 64
max_iters = 1000
warmup_iters = 50
batch_size = 4
lr = 0.02

# Prompts like the pretraining captions' openings; each name is encoded with every one and averaged.
templates = ("a {}", "a photo of a {}", "an image of a {}", "a picture of a {}", "there is a {}")
clip = dict(
    type=FrozenCLIP,
    model_name="clipx-RN-tiny-64",
    checkpoint="work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt",
)
embed_dim = 128  # clipx-RN-tiny-64's joint space
channels = 64  # FPN width
nms = dict(type="nms", iou_threshold=0.7)
iou_calculator = dict(type=BboxOverlaps2D)

model = dict(
    type=ViLD,
    clip=clip,
    templates=templates,
    # CLIP's normalisation (OpenAI mean/std), on 0-255 pixels
    data_preprocessor=dict(
        type=DetDataPreprocessor,
        mean=[122.7709, 116.746, 104.0937],
        std=[68.5005, 66.6322, 70.3232],
        bgr_to_rgb=True,
        pad_size_divisor=32,
    ),
    # layer1-3 of the frozen ModifiedResNet: strides 4, 8, 16
    backbone=dict(type=CLIPDetBackbone, indices=(1, 2, 3)),
    neck=dict(type=FPN, in_channels=[128, 256, 512], out_channels=channels, num_outs=3),
    rpn_head=dict(
        type=RPNHead,
        in_channels=channels,
        feat_channels=channels,
        anchor_generator=dict(
            type=AnchorGenerator, scales=[3, 6], ratios=[0.5, 1.0, 2.0], strides=[4, 8, 16]
        ),
        bbox_coder=dict(type=DeltaXYWHBBoxCoder, target_means=[0.0] * 4, target_stds=[1.0] * 4),
        loss_cls=dict(type=CrossEntropyLoss, use_sigmoid=True, loss_weight=1.0),
        loss_bbox=dict(type=L1Loss, loss_weight=1.0),
    ),
    roi_head=dict(
        type=ViLDRoIHead,
        distill_weight=0.0,
        bbox_roi_extractor=dict(
            type=SingleRoIExtractor,
            roi_layer=dict(type=RoIAlign, output_size=7, sampling_ratio=0),
            out_channels=channels,
            featmap_strides=[4, 8, 16],
            finest_scale=14,
        ),
        bbox_head=dict(
            type=ViLDBBoxHead,
            embed_dim=embed_dim,
            temperature=0.01,
            image_head=False,
            in_channels=channels,
            fc_out_channels=256,
            roi_feat_size=7,
            bbox_coder=dict(
                type=DeltaXYWHBBoxCoder, target_means=[0.0] * 4, target_stds=[0.1, 0.1, 0.2, 0.2]
            ),
            loss_cls=dict(type=CrossEntropyLoss, use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type=L1Loss, loss_weight=1.0),
        ),
    ),
    train_cfg=dict(
        rpn=dict(
            assigner=dict(
                type=MaxIoUAssigner,
                pos_iou_thr=0.7,
                neg_iou_thr=0.3,
                min_pos_iou=0.3,
                match_low_quality=True,
                ignore_iof_thr=-1,
                iou_calculator=iou_calculator,
            ),
            sampler=dict(
                type=RandomSampler,
                num=64,
                pos_fraction=0.5,
                neg_pos_ub=-1,
                add_gt_as_proposals=False,
            ),
            allowed_border=-1,
            pos_weight=-1,
            debug=False,
        ),
        rpn_proposal=dict(nms_pre=500, max_per_img=100, nms=nms, min_bbox_size=0),
        rcnn=dict(
            assigner=dict(
                type=MaxIoUAssigner,
                pos_iou_thr=0.5,
                neg_iou_thr=0.5,
                min_pos_iou=0.5,
                match_low_quality=False,
                ignore_iof_thr=-1,
                iou_calculator=iou_calculator,
            ),
            sampler=dict(
                type=RandomSampler,
                num=64,
                pos_fraction=0.25,
                neg_pos_ub=-1,
                add_gt_as_proposals=True,
            ),
            pos_weight=-1,
            debug=False,
        ),
    ),
    test_cfg=dict(
        rpn=dict(nms_pre=300, max_per_img=50, nms=nms, min_bbox_size=0),
        rcnn=dict(score_thr=0.01, nms=dict(type="nms", iou_threshold=0.5), max_per_img=20),
    ),
)

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
    batch_size=batch_size,
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
test_cfg = dict(type=TestLoop)
train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters)

optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=SGD, lr=lr, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=10.0),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(
        type=CosineAnnealingLR, by_epoch=False, begin=warmup_iters, end=max_iters, eta_min=lr * 0.01
    ),
]
default_hooks = dict(
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=50),
    param_scheduler=dict(type=ParamSchedulerHook),
    checkpoint=dict(type=CheckpointHook, interval=max_iters, by_epoch=False, max_keep_ckpts=1),
)
custom_hooks = [dict(type=VocabularyHook)]
log_processor = dict(by_epoch=False, window_size=50)
randomness = dict(seed=0)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
log_level = "INFO"
