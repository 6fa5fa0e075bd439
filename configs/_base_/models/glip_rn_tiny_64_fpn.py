# GLIP on the frozen tiny shapes-world CLIP: its layer1-3 maps (strides 4-16) through a trainable
# FPN to five levels, mmdet's GLIP head (ATSS, dynamic-head tower, word-region alignment logits)
# sized for CLIP's text tower, and CLIP's per-token text features as the language model. Deep
# fusion is off here; configs/glip/glip-fusion_* turns it on. feat_channels is the language
# model's max_tokens (GLIP's per-anchor token targets are that wide, 256 in mmdet's GLIP); the
# head's lang_dim comes from the CLIP (its text width).
from mmdet.models.losses import CrossEntropyLoss, FocalLoss, GIoULoss
from mmdet.models.necks import FPN
from mmdet.models.task_modules import AnchorGenerator, ATSSAssigner
from mmdet.models.task_modules.assigners import BboxOverlaps2D_GLIP
from mmdet.models.task_modules.coders import DeltaXYWHBBoxCoderForGLIP
from mmengine.config import read_base

from clipx.det import CLIPGLIP, CLIPDetBackbone, CLIPVLFusionHead

with read_base():
    from .faster_rcnn_recipe import clip_det_preprocessor
    from .frozen_clip_rn_tiny_64 import clip

max_tokens = 64  # prompt positions: room for every shapes-world caption and the six names

model = dict(
    type=CLIPGLIP,
    clip=clip,
    data_preprocessor=clip_det_preprocessor,
    backbone=dict(type=CLIPDetBackbone, indices=(1, 2, 3)),
    neck=dict(
        type=FPN,
        in_channels=[128, 256, 512],
        out_channels=max_tokens,
        start_level=0,
        relu_before_extra_convs=True,
        add_extra_convs="on_output",
        num_outs=5,
    ),
    language_model=dict(max_tokens=max_tokens, feature="features"),
    bbox_head=dict(
        type=CLIPVLFusionHead,
        early_fuse=False,
        # one dynamic-head block, not GLIP-T's six: here each block costs class information (why is
        # not settled; fewer levels or no DyReLU / scale attention do not help six). 800 iterations,
        # base / novel AP50: 0 blocks 66.2 / 36.7, 1 block 58.4 / 32.9, 2 blocks 30.5 / 23.7 (3
        # levels), 6 blocks 19.9 / 17.7, also with learned token embeddings in place of CLIP's
        # and with no box losses; the fused variant needs at least one block for its VLFuse
        num_dyhead_blocks=1,
        lang_heads=4,
        fusion_embed_dim=256,
        fusion_heads=8,
        use_dcn=False,  # GLIP uses deformable convolutions; on this CPU they make a step 6x slower
        num_classes=1,  # unused: GLIP's classes are the prompt's phrases
        in_channels=max_tokens,
        feat_channels=max_tokens,
        anchor_generator=dict(
            type=AnchorGenerator,
            ratios=[1.0],
            octave_base_scale=4,  # 16-px anchors at stride 4: shapes are 6-30 px at 64 px
            scales_per_octave=1,
            strides=[4, 8, 16, 32, 64],
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
