# LSeg with OpenAI's ViT-B/32, frozen, for 480 x 480 crops: DPT's four block maps of the
# 12-block ViT, reassembled into a pyramid and fused, slide inference. A config sets the
# vocabulary (classes_from=<its dataset class>).
from mmengine.config import read_base
from mmseg.models.data_preprocessor import SegDataPreProcessor

from clipx.seg import LSegHead, LSegSegmentor

with read_base():
    from .frozen_clip_vit_b32_openai import clip

crop_size = (480, 480)
model = dict(
    type=LSegSegmentor,
    backbone=dict(clip, dense_indices=(2, 5, 8, 11)),  # DPT's hooks for a 12-block ViT
    # 15x15 patch maps at 480 px -> a 60/30/15/8 pyramid, fused, upsampled to 120x120
    decode_head=dict(type=LSegHead, channels=256, reassemble_scales=(4, 2, 1, 0.5), residual=True),
    templates="default",
    data_preprocessor=dict(
        type=SegDataPreProcessor,
        mean=[122.771, 116.746, 104.094],
        std=[68.501, 66.632, 70.323],
        bgr_to_rgb=True,
        size=crop_size,
        pad_val=0,
        seg_pad_val=255,
        test_cfg=dict(size_divisor=32),  # ViT-B/32 needs multiples of its patch
    ),
    test_cfg=dict(mode="slide", crop_size=crop_size, stride=(320, 320)),
)
