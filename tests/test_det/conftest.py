"""A tiny shapes-world detection set and tiny ViLD configs shared by the detection tests."""

from __future__ import annotations

import pytest

pytest.importorskip("mmdet")

from clipx.shapes_world import ShapesWorldConfig, write_detection  # noqa: E402
from clipx.testing import TEST_RN  # noqa: E402

NOVEL = ("star", "hexagon")
IMAGE_SIZE = 64
CLIP = dict(type="clipx.FrozenCLIP", model_name=TEST_RN)
MEAN = [122.7709, 116.746, 104.0937]
STD = [68.5005, 66.6322, 70.3232]


@pytest.fixture(scope="session")
def det_set(tmp_path_factory):
    """12 training and 6 validation 64-px images: ``(root, {'det_train': json, 'det_val': json})``."""
    root = tmp_path_factory.mktemp("shapes_world_det")
    cfg = ShapesWorldConfig(image_size=IMAGE_SIZE, max_objects=3, supersample=2)
    written = write_detection(root, cfg, num_train=12, num_val=6, novel=NOVEL, progress=False)
    return root, written


def tiny_vild(
    *,
    distill_weight: float = 0.0,
    image_head: bool = False,
    ensemble: bool = False,
    resnet: bool = False,
    distill_branches: tuple[str, ...] = ("image",),
) -> dict:
    """A ViLD model config on clipx-RN-test-64 (string types, so Runner can print it)."""
    channels = 16
    if resnet:
        backbone = dict(
            type="mmdet.ResNet",
            depth=18,
            num_stages=4,
            out_indices=(1, 2, 3),
            frozen_stages=-1,
            norm_cfg=dict(type="BN", requires_grad=True),
            norm_eval=False,
            style="pytorch",
        )
        in_channels = [128, 256, 512]
    else:
        backbone = dict(type="mmdet.CLIPDetBackbone", indices=(2, 3, 4))
        in_channels = [64, 128, 256]
    strides = [8, 16, 32]
    nms = dict(type="nms", iou_threshold=0.7)
    iou = dict(type="mmdet.BboxOverlaps2D")
    return dict(
        type="mmdet.ViLD",
        clip=CLIP,
        templates=("a {}", "a photo of a {}"),
        data_preprocessor=dict(
            type="mmdet.DetDataPreprocessor",
            mean=MEAN,
            std=STD,
            bgr_to_rgb=True,
            pad_size_divisor=32,
        ),
        backbone=backbone,
        neck=dict(type="mmdet.FPN", in_channels=in_channels, out_channels=channels, num_outs=3),
        rpn_head=dict(
            type="mmdet.RPNHead",
            in_channels=channels,
            feat_channels=channels,
            anchor_generator=dict(
                type="mmdet.AnchorGenerator", scales=[4], ratios=[1.0], strides=strides
            ),
            bbox_coder=dict(
                type="mmdet.DeltaXYWHBBoxCoder", target_means=[0.0] * 4, target_stds=[1.0] * 4
            ),
            loss_cls=dict(type="mmdet.CrossEntropyLoss", use_sigmoid=True, loss_weight=1.0),
            loss_bbox=dict(type="mmdet.L1Loss", loss_weight=1.0),
        ),
        roi_head=dict(
            type="mmdet.ViLDRoIHead",
            distill_weight=distill_weight,
            distill_branches=distill_branches,
            ensemble=ensemble,
            bbox_roi_extractor=dict(
                type="mmdet.SingleRoIExtractor",
                roi_layer=dict(type="RoIAlign", output_size=7, sampling_ratio=0),
                out_channels=channels,
                featmap_strides=strides,
            ),
            bbox_head=dict(
                type="mmdet.ViLDBBoxHead",
                embed_dim=32,
                image_head=image_head,
                in_channels=channels,
                fc_out_channels=32,
                roi_feat_size=7,
                bbox_coder=dict(
                    type="mmdet.DeltaXYWHBBoxCoder",
                    target_means=[0.0] * 4,
                    target_stds=[0.1, 0.1, 0.2, 0.2],
                ),
                loss_cls=dict(type="mmdet.CrossEntropyLoss", use_sigmoid=False, loss_weight=1.0),
                loss_bbox=dict(type="mmdet.L1Loss", loss_weight=1.0),
            ),
        ),
        train_cfg=dict(
            rpn=dict(
                assigner=dict(
                    type="mmdet.MaxIoUAssigner",
                    pos_iou_thr=0.7,
                    neg_iou_thr=0.3,
                    min_pos_iou=0.3,
                    match_low_quality=True,
                    ignore_iof_thr=-1,
                    iou_calculator=iou,
                ),
                sampler=dict(
                    type="mmdet.RandomSampler",
                    num=32,
                    pos_fraction=0.5,
                    neg_pos_ub=-1,
                    add_gt_as_proposals=False,
                ),
                allowed_border=-1,
                pos_weight=-1,
                debug=False,
            ),
            rpn_proposal=dict(nms_pre=100, max_per_img=30, nms=nms, min_bbox_size=0),
            rcnn=dict(
                assigner=dict(
                    type="mmdet.MaxIoUAssigner",
                    pos_iou_thr=0.5,
                    neg_iou_thr=0.5,
                    min_pos_iou=0.5,
                    match_low_quality=False,
                    ignore_iof_thr=-1,
                    iou_calculator=iou,
                ),
                sampler=dict(
                    type="mmdet.RandomSampler",
                    num=32,
                    pos_fraction=0.25,
                    neg_pos_ub=-1,
                    add_gt_as_proposals=True,
                ),
                pos_weight=-1,
                debug=False,
            ),
        ),
        test_cfg=dict(
            rpn=dict(nms_pre=100, max_per_img=20, nms=nms, min_bbox_size=0),
            rcnn=dict(score_thr=0.0, nms=dict(type="nms", iou_threshold=0.5), max_per_img=10),
        ),
    )


def train_pipeline(region_dir=None) -> list[dict]:
    steps = [
        dict(type="LoadImageFromFile"),
        dict(type="mmdet.LoadAnnotations", with_bbox=True),
        dict(type="mmdet.Resize", scale=(IMAGE_SIZE, IMAGE_SIZE), keep_ratio=True),
        dict(type="mmdet.RandomFlip", prob=0.5),
    ]
    if region_dir is not None:
        steps.append(
            dict(type="mmdet.LoadRegionEmbeddings", region_dir=str(region_dir), num_regions=8)
        )
    return [*steps, dict(type="mmdet.PackViLDInputs")]


TEST_PIPELINE = [
    dict(type="LoadImageFromFile"),
    dict(type="mmdet.Resize", scale=(IMAGE_SIZE, IMAGE_SIZE), keep_ratio=True),
    dict(type="mmdet.LoadAnnotations", with_bbox=True),
    dict(
        type="mmdet.PackDetInputs",
        meta_keys=("img_id", "img_path", "ori_shape", "img_shape", "scale_factor"),
    ),
]


def fake_batch(
    num_images: int = 2,
    size: int = IMAGE_SIZE,
    *,
    num_classes: int = 3,
    regions: int = 0,
    seed: int = 0,
):
    """A data batch as the pipeline packs it: uint8 images and data samples with boxes (and stored regions)."""
    import torch
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(num_images):
        inputs.append(torch.randint(0, 255, (3, size, size), generator=gen, dtype=torch.uint8))
        xy = torch.randint(0, size // 2, (2, 2), generator=gen).float()
        boxes = torch.cat([xy, xy + torch.tensor([[20.0, 24.0], [28.0, 16.0]])], dim=1)
        sample = DetDataSample(
            metainfo=dict(
                img_id=i,
                img_shape=(size, size),
                ori_shape=(size, size),
                scale_factor=(1.0, 1.0),
                pad_shape=(size, size),
            )
        )
        sample.gt_instances = InstanceData(bboxes=boxes, labels=torch.tensor([0, num_classes - 1]))
        sample.ignored_instances = InstanceData(
            bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long)
        )
        if regions:
            r_xy = torch.randint(0, size // 2, (regions, 2), generator=gen).float()
            sample.distill_regions = InstanceData(
                bboxes=torch.cat([r_xy, r_xy + 16.0], dim=1),
                embeds=torch.nn.functional.normalize(
                    torch.randn(regions, 32, generator=gen), dim=-1
                ),
            )
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build_vild(**kwargs):
    """A tiny ViLD model (seeded) built from :func:`tiny_vild`."""
    import torch
    from mmdet.registry import MODELS

    torch.manual_seed(0)
    model = MODELS.build(tiny_vild(**kwargs))
    model.init_weights()
    return model
