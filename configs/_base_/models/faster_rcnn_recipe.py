# The parts of mmdet's Faster R-CNN recipe that ViLD keeps at every scale, for the ViLD model
# bases to import by name (each sets its own sizes: channels, anchors, sample and proposal
# counts): CLIP's input normalisation, the RPN and R-CNN assigners and sampler settings, the box
# coders and losses, the RoI layer.
from mmcv.ops import RoIAlign
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmdet.models.losses import CrossEntropyLoss, L1Loss
from mmdet.models.task_modules import (
    BboxOverlaps2D,
    DeltaXYWHBBoxCoder,
    MaxIoUAssigner,
    RandomSampler,
)

# CLIP's normalisation (OpenAI mean/std), on 0-255 pixels
clip_det_preprocessor = dict(
    type=DetDataPreprocessor,
    mean=[122.7709, 116.746, 104.0937],
    std=[68.5005, 66.6322, 70.3232],
    bgr_to_rgb=True,
    pad_size_divisor=32,
)
nms = dict(type="nms", iou_threshold=0.7)
iou_calculator = dict(type=BboxOverlaps2D)
# RPN: objectness and class-agnostic deltas
rpn_losses = dict(
    bbox_coder=dict(type=DeltaXYWHBBoxCoder, target_means=[0.0] * 4, target_stds=[1.0] * 4),
    loss_cls=dict(type=CrossEntropyLoss, use_sigmoid=True, loss_weight=1.0),
    loss_bbox=dict(type=L1Loss, loss_weight=1.0),
)
roi_layer = dict(type=RoIAlign, output_size=7, sampling_ratio=0)
# the ViLD box head: cosine / 0.01 against the text embeddings, class-agnostic regression
vild_bbox_head_recipe = dict(
    temperature=0.01,
    image_head=False,
    roi_feat_size=7,
    bbox_coder=dict(
        type=DeltaXYWHBBoxCoder, target_means=[0.0] * 4, target_stds=[0.1, 0.1, 0.2, 0.2]
    ),
    loss_cls=dict(type=CrossEntropyLoss, use_sigmoid=False, loss_weight=1.0),
    loss_bbox=dict(type=L1Loss, loss_weight=1.0),
)
rpn_assigner = dict(
    type=MaxIoUAssigner,
    pos_iou_thr=0.7,
    neg_iou_thr=0.3,
    min_pos_iou=0.3,
    match_low_quality=True,
    ignore_iof_thr=-1,
    iou_calculator=iou_calculator,
)
rcnn_assigner = dict(
    type=MaxIoUAssigner,
    pos_iou_thr=0.5,
    neg_iou_thr=0.5,
    min_pos_iou=0.5,
    match_low_quality=False,
    ignore_iof_thr=-1,
    iou_calculator=iou_calculator,
)
rpn_sampler = dict(type=RandomSampler, pos_fraction=0.5, neg_pos_ub=-1, add_gt_as_proposals=False)
rcnn_sampler = dict(type=RandomSampler, pos_fraction=0.25, neg_pos_ub=-1, add_gt_as_proposals=True)
rcnn_nms = dict(type="nms", iou_threshold=0.5)
