# LSeg on the frozen tiny CLIP pretrained on shapes world (64 px): the decoder fuses layer1-4
# into per-pixel joint-space embeddings scored against the labels' text embeddings. It trains on
# the shapes-world base classes and tests on all of them (the vocabulary of
# datasets/shapes_world_seg_64x64.py).
from mmengine.config import read_base
from mmseg.models.data_preprocessor import SegDataPreProcessor

from clipx.seg import LSegHead, LSegSegmentor

with read_base():
    from ..datasets.shapes_world_seg_64x64 import base_classes, classes
    from .frozen_clip_rn_tiny_64 import clip

# The tiny CLIP read captions like "a small red star": name each shape in every colour and
# average (prompt ensembling over the colours it knows).
templates = ["a red {}", "a green {}", "a blue {}", "a yellow {}", "a purple {}", "an orange {}"]

model = dict(
    type=LSegSegmentor,
    # layer1-4: a 16/8/4/2-cell pyramid at 64 px
    backbone=dict(clip, dense_indices=(1, 2, 3, 4)),
    decode_head=dict(type=LSegHead, channels=32, residual=False),
    class_names=base_classes,
    test_class_names=classes,
    templates=templates,
    data_preprocessor=dict(
        type=SegDataPreProcessor,
        # CLIP's normalisation in 0-255 units
        mean=[122.771, 116.746, 104.094],
        std=[68.501, 66.632, 70.323],
        bgr_to_rgb=True,
        size=(64, 64),
        pad_val=0,
        seg_pad_val=255,
    ),
    test_cfg=dict(mode="whole"),
    # at inference CLIP names each predicted segment from the image (clipx.seg.RegionRescorer);
    # --cfg-options model.region_rescore=None gives the per-pixel labels alone
    region_rescore=dict(background="background", fg_threshold=0.8),
)
