# ViLD-text on the frozen tiny CLIP pretrained on shapes world: its layer1-3 maps through a
# trainable FPN (64 channels), RPN and a box head whose classifier is the CLIP text embeddings of
# the category names plus a learnable background. The vocabulary is the dataset's
# (VocabularyHook); the configs in configs/vild/ set the variant (distillation, ensemble).
from mmcv.ops import RoIAlign
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
from mmengine.config import read_base

from clipx.det import CLIPDetBackbone, ViLD, ViLDBBoxHead, ViLDRoIHead, VocabularyHook

with read_base():
    from .frozen_clip_rn_tiny_64 import clip

# the tiny CLIP knows shapes at the scale it was trained at: tools/vild_precompute.py blanks out
# everything but the box instead of resizing the box to fill CLIP's input (README, "Crops for a
# small CLIP")
region_crop_mode = "mask"
# Prompts like the pretraining captions' openings; each name is encoded with every one and averaged.
templates = ("a {}", "a photo of a {}", "an image of a {}", "a picture of a {}", "there is a {}")
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
custom_hooks = [dict(type=VocabularyHook)]  # the model's vocabulary follows the dataset's
