"""Tiny ViTs with a convolutional stem, as timm models that open_clip builds as vision towers.

A 64-px ViT that cuts the image into 8-px patches with one linear layer learns
shape slowly from scratch (README: 42% zero-shot after 28 minutes on shapes
world). Replacing the patchify layer by a few strided 3x3 convolutions
(Xiao et al., "Early Convolutions Help Transformers See Better", 2021) keeps
the transformer and the 8 x 8 token grid and gives it the local edges a shape
is made of.

The models are registered with timm (``clipx_vit_tiny_convstem_64``) and used
by open_clip architectures whose ``vision_cfg`` names them
(``clipx-ViT-tiny-cs-64``), so ``open_clip.create_model(arch,
pretrained=<file>)`` builds and loads them once clipx is imported, like every
clipx-* architecture.
"""

from __future__ import annotations

from functools import partial

from timm.layers import HybridEmbed
from timm.models import register_model
from timm.models.vision_transformer import VisionTransformer
from torch import nn


class ConvStem(nn.Sequential):
    """3x3 stride-2 convolutions with BatchNorm and ReLU: (B, 3, H, W) -> (B, C, H/2^n, W/2^n)."""

    def __init__(self, channels: tuple[int, ...] = (48, 96), in_chans: int = 3) -> None:
        layers: list[nn.Module] = []
        for out in channels:
            layers += [
                nn.Conv2d(in_chans, out, 3, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(out),
                nn.ReLU(inplace=True),
            ]
            in_chans = out
        super().__init__(*layers)
        self.out_channels = in_chans


def conv_stem_vit(
    *,
    img_size: int,
    stem_channels: tuple[int, ...],
    patch_size: int,
    embed_dim: int,
    depth: int,
    num_heads: int,
    **kwargs,
) -> VisionTransformer:
    """A timm ViT whose patch embedding is ``ConvStem`` then a ``patch_size`` projection.

    The token grid is ``img_size / (2 ** len(stem_channels) * patch_size)`` per side.
    """
    for key in ("pretrained", "pretrained_cfg", "pretrained_cfg_overlay", "cache_dir"):
        kwargs.pop(key, None)  # timm's loading arguments; nothing is published
    embed = partial(HybridEmbed, backbone=ConvStem(tuple(stem_channels)))
    model = VisionTransformer(
        img_size=img_size,
        patch_size=patch_size,
        embed_dim=embed_dim,
        depth=depth,
        num_heads=num_heads,
        embed_layer=embed,
        **kwargs,
    )
    # what timm's builder would attach (open_clip's adapter reads it)
    model.pretrained_cfg = model.default_cfg = {
        "input_size": (3, img_size, img_size),
        "num_classes": model.num_classes,
        "first_conv": "patch_embed.backbone.0",
        "classifier": "head",
    }
    return model


@register_model
def clipx_vit_tiny_convstem_64(**kwargs) -> VisionTransformer:
    """64 px; stem 3 -> 48 -> 96 channels (stride 4), 2 x 2 projection to 8 x 8 tokens; 4 x 192."""
    return conv_stem_vit(
        img_size=64,
        stem_channels=(48, 96),
        patch_size=2,
        embed_dim=192,
        depth=4,
        num_heads=3,
        **kwargs,
    )


@register_model
def clipx_vit_nano_convstem_64(**kwargs) -> VisionTransformer:
    """64 px; stem 3 -> 32 -> 64 channels (stride 4), 2 x 2 projection to 8 x 8 tokens; 4 x 128."""
    return conv_stem_vit(
        img_size=64,
        stem_channels=(32, 64),
        patch_size=2,
        embed_dim=128,
        depth=4,
        num_heads=2,
        **kwargs,
    )


@register_model
def clipx_vit_test_convstem_32(**kwargs) -> VisionTransformer:
    """32 px, for tests; stem 3 -> 8 -> 16 (stride 4), 2 x 2 projection to 4 x 4 tokens; 2 x 64."""
    return conv_stem_vit(
        img_size=32,
        stem_channels=(8, 16),
        patch_size=2,
        embed_dim=64,
        depth=2,
        num_heads=2,
        **kwargs,
    )
