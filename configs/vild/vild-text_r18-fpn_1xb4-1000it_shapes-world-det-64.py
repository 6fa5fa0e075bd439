# ViLD-text on shapes world with a trainable ResNet-18 as the detector backbone (as the ViLD paper
# trains a ResNet); CLIP stays frozen and serves only the text embeddings (and ViLD-image's teacher).
from mmdet.models.backbones import ResNet
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_det_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.vild_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.vild_sgd_cosine_1k import *  # noqa: F401,F403

# Assigned, not merged: update() would merge into the base's CLIPDetBackbone dict (its indices
# would reach mmdet's ResNet). Three stages: the neck reads layer1-3 (strides 4-16).
model["backbone"] = dict(  # noqa: F405
    type=ResNet,
    depth=18,
    num_stages=3,
    strides=(1, 2, 2),
    dilations=(1, 1, 1),
    out_indices=(0, 1, 2),
    frozen_stages=-1,
    norm_cfg=dict(type="BN", requires_grad=True),
    norm_eval=False,
    style="pytorch",
)
model.update(  # noqa: F405
    # ImageNet-style normalisation for the ResNet (CLIP's crops use CLIP's own)
    data_preprocessor=dict(
        type=DetDataPreprocessor,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,
    ),
)
model["neck"].update(in_channels=[64, 128, 256])  # noqa: F405
