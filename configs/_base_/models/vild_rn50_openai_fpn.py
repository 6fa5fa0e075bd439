# ViLD-text with OpenAI's RN50 CLIP as the shared frozen backbone: layer1-4 through an FPN of
# 256 channels, at COCO-style scale (1333 x 800), with mmdet's Faster R-CNN sampling and proposal
# counts. The vocabulary is the dataset's (VocabularyHook); the configs in configs/vild/ add the
# distillation. Offline: replace pretrained="openai" by checkpoint="<RN50 openai weights file>".
from mmdet.models.dense_heads import RPNHead
from mmdet.models.necks import FPN
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
from mmdet.models.task_modules import AnchorGenerator
from mmengine.config import read_base

from clipx.backbone import FrozenCLIP
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

# ViLD's crops: each proposal resized to CLIP's input (tools/vild_precompute.py)
region_crop_mode = "resize"
templates = "imagenet80"  # the CLIP paper's 80 prompts, as ViLD
clip = dict(type=FrozenCLIP, model_name="RN50", checkpoint=None, pretrained="openai")
embed_dim = 1024  # RN50's joint space
channels = 256  # FPN width

model = dict(
    type=ViLD,
    clip=clip,
    templates=templates,
    data_preprocessor=clip_det_preprocessor,
    # layer1-4 of the frozen ModifiedResNet: strides 4, 8, 16, 32 (+ one pooled FPN level)
    backbone=dict(type=CLIPDetBackbone, indices=(1, 2, 3, 4)),
    neck=dict(type=FPN, in_channels=[256, 512, 1024, 2048], out_channels=channels, num_outs=5),
    rpn_head=dict(
        type=RPNHead,
        in_channels=channels,
        feat_channels=channels,
        anchor_generator=dict(
            type=AnchorGenerator, scales=[8], ratios=[0.5, 1.0, 2.0], strides=[4, 8, 16, 32, 64]
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
            featmap_strides=[4, 8, 16, 32],
            finest_scale=56,
        ),
        bbox_head=dict(
            type=ViLDBBoxHead,
            embed_dim=embed_dim,
            in_channels=channels,
            fc_out_channels=1024,
            **vild_bbox_head_recipe,
        ),
    ),
    train_cfg=dict(
        rpn=dict(
            assigner=rpn_assigner,
            sampler=dict(rpn_sampler, num=256),
            allowed_border=-1,
            pos_weight=-1,
            debug=False,
        ),
        rpn_proposal=dict(nms_pre=2000, max_per_img=1000, nms=nms, min_bbox_size=0),
        rcnn=dict(
            assigner=rcnn_assigner,
            sampler=dict(rcnn_sampler, num=512),
            pos_weight=-1,
            debug=False,
        ),
    ),
    test_cfg=dict(
        rpn=dict(nms_pre=1000, max_per_img=1000, nms=nms, min_bbox_size=0),
        rcnn=dict(score_thr=0.05, nms=rcnn_nms, max_per_img=100),
    ),
)
custom_hooks = [dict(type=VocabularyHook)]  # the model's vocabulary follows the dataset's
