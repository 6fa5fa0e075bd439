# GLIP with OpenAI's RN50 CLIP as the shared frozen backbone and language model: layer2-4
# (strides 8-32) through an FPN of 256 channels to five levels (strides 8-128), mmdet's GLIP head
# at GLIP-T's sizes (6 dynamic-head blocks, deformable convolutions, 256 prompt positions =
# feat_channels) with CLIP's 512-wide text tokens. Deep fusion is on, as GLIP-T (B): the leaves
# that compare turn it off.
from mmdet.models.losses import CrossEntropyLoss, FocalLoss, GIoULoss
from mmdet.models.necks import FPN
from mmdet.models.task_modules import AnchorGenerator, ATSSAssigner
from mmdet.models.task_modules.assigners import BboxOverlaps2D_GLIP
from mmdet.models.task_modules.coders import DeltaXYWHBBoxCoderForGLIP
from mmengine.config import read_base

from clipx.backbone import FrozenCLIP
from clipx.det import CLIPGLIP, CLIPDetBackbone, CLIPVLFusionHead

with read_base():
    from .faster_rcnn_recipe import clip_det_preprocessor

clip = dict(type=FrozenCLIP, model_name="RN50", checkpoint=None, pretrained="openai")
max_tokens = 256  # as mmdet's GLIP: prompt positions = the head's feat_channels

model = dict(
    type=CLIPGLIP,
    clip=clip,
    data_preprocessor=clip_det_preprocessor,
    backbone=dict(type=CLIPDetBackbone, indices=(2, 3, 4)),
    neck=dict(
        type=FPN,
        in_channels=[512, 1024, 2048],
        out_channels=max_tokens,
        start_level=0,
        relu_before_extra_convs=True,
        add_extra_convs="on_output",
        num_outs=5,
    ),
    language_model=dict(max_tokens=max_tokens, feature="features"),
    bbox_head=dict(
        type=CLIPVLFusionHead,
        early_fuse=True,
        num_dyhead_blocks=6,
        lang_heads=8,
        fusion_embed_dim=2048,
        fusion_heads=8,
        use_checkpoint=True,
        num_classes=1,  # unused: GLIP's classes are the prompt's phrases
        in_channels=max_tokens,
        feat_channels=max_tokens,
        anchor_generator=dict(
            type=AnchorGenerator,
            ratios=[1.0],
            octave_base_scale=8,
            scales_per_octave=1,
            strides=[8, 16, 32, 64, 128],
            center_offset=0.5,
        ),
        bbox_coder=dict(
            type=DeltaXYWHBBoxCoderForGLIP,
            target_means=[0.0, 0.0, 0.0, 0.0],
            target_stds=[0.1, 0.1, 0.2, 0.2],
        ),
        loss_cls=dict(type=FocalLoss, use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type=GIoULoss, loss_weight=2.0),
        loss_centerness=dict(type=CrossEntropyLoss, use_sigmoid=True, loss_weight=1.0),
    ),
    train_cfg=dict(
        assigner=dict(type=ATSSAssigner, topk=9, iou_calculator=dict(type=BboxOverlaps2D_GLIP)),
        allowed_border=-1,
        pos_weight=-1,
        debug=False,
    ),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type="nms", iou_threshold=0.6),
        max_per_img=100,
    ),
)
