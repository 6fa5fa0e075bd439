# ViLD-text on the frozen tiny CLIP pretrained on shapes world: its layer1-3 maps through a
# trainable FPN (64 channels), RPN and a box head whose classifier is the CLIP text embeddings of
# the category names plus a learnable background. The vocabulary is the dataset's
# (VocabularyHook); the configs in configs/vild/ set the variant (distillation, ensemble).
from mmdet.models.dense_heads import RPNHead
from mmdet.models.necks import FPN
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
from mmdet.models.task_modules import AnchorGenerator
from mmengine.config import read_base

from clipx.det import CLIPDetBackbone, ViLD, ViLDBBoxHead, ViLDRoIHead, VocabularyHook

with read_base():
    from .faster_rcnn_recipe import (
        clip_det_preprocessor,
        nms,
        rcnn_assigner,
        rcnn_nms,
        rcnn_sampler,
        roi_layer,
        rpn_assigner,
        rpn_losses,
        rpn_sampler,
        vild_bbox_head_recipe,
    )
    from .frozen_clip_rn_tiny_64 import clip

# the tiny CLIP knows shapes at the scale it was trained at: tools/vild_precompute.py blanks out
# everything but the box instead of resizing the box to fill CLIP's input (README, "Crops for a
# small CLIP")
region_crop_mode = "mask"
# Prompts like the pretraining captions' openings; each name is encoded with every one and averaged.
templates = ("a {}", "a photo of a {}", "an image of a {}", "a picture of a {}", "there is a {}")
embed_dim = 128  # clipx-RN-tiny-64's joint space
channels = 64  # FPN width

model = dict(
    type=ViLD,
    clip=clip,
    templates=templates,
    data_preprocessor=clip_det_preprocessor,
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
        **rpn_losses,
    ),
    roi_head=dict(
        type=ViLDRoIHead,
        distill_weight=0.0,
        bbox_roi_extractor=dict(
            type=SingleRoIExtractor,
            roi_layer=roi_layer,
            out_channels=channels,
            featmap_strides=[4, 8, 16],
            finest_scale=14,
        ),
        bbox_head=dict(
            type=ViLDBBoxHead,
            embed_dim=embed_dim,
            in_channels=channels,
            fc_out_channels=256,
            **vild_bbox_head_recipe,
        ),
    ),
    train_cfg=dict(
        rpn=dict(
            assigner=rpn_assigner,
            sampler=dict(rpn_sampler, num=64),
            allowed_border=-1,
            pos_weight=-1,
            debug=False,
        ),
        rpn_proposal=dict(nms_pre=500, max_per_img=100, nms=nms, min_bbox_size=0),
        rcnn=dict(
            assigner=rcnn_assigner,
            sampler=dict(rcnn_sampler, num=64),
            pos_weight=-1,
            debug=False,
        ),
    ),
    test_cfg=dict(
        rpn=dict(nms_pre=300, max_per_img=50, nms=nms, min_bbox_size=0),
        rcnn=dict(score_thr=0.01, nms=rcnn_nms, max_per_img=20),
    ),
)
custom_hooks = [dict(type=VocabularyHook)]  # the model's vocabulary follows the dataset's
