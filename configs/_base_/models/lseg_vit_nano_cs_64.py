# LSeg as designed for a ViT, on the frozen nano conv-stem ViT CLIP pretrained on shapes world
# (64 px): DPT's reassembly turns the four blocks' 8 x 8 token maps (stride 8) into a pyramid,
# fused into per-pixel joint-space embeddings scored against the labels' text embeddings.
# Everything else is the ResNet LSeg's (lseg_rn_tiny_64.py: vocabulary, prompts, decoder width,
# preprocessing, region re-scoring), so the two differ only in the backbone and its reassembly.
from mmengine.config import read_base

with read_base():
    from .frozen_clip_vit_nano_cs_64 import clip
    from .lseg_rn_tiny_64 import model

model = dict(
    model,
    # DPT hooks the last block of each quarter of the ViT (2, 5, 8, 11 of ViT-B's 12): all 4 here
    backbone=dict(clip, dense_indices=(0, 1, 2, 3)),
    # four 8 x 8 maps at 64 px -> a 32/16/8/4 pyramid, fused, upsampled to 64 x 64
    decode_head=dict(model["decode_head"], reassemble_scales=(4, 2, 1, 0.5)),
)
