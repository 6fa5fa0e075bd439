"""Dense image features from timm ViT towers with a convolutional stem, at any input size.

open_clip wraps a timm model as a ``TimmModel``: the timm ``trunk`` (here a
``VisionTransformer`` whose patch embedding is a ``HybridEmbed``, the conv
stem of :mod:`clipx.backbone.conv_stem_vit`) then open_clip's ``head`` (the
projection to the joint space). This module gives such towers what
:mod:`clipx.backbone.dense` gives open_clip's own ViTs:

* patch maps from chosen blocks, one token per ``stride`` pixels (the stem's
  downsampling times the patch size), at any input size that is a multiple
  of the stride; the position table is resampled to the input's grid the way
  timm does for ``dynamic_img_size`` models (``resample_abs_pos_embed``),
  computed per call, never written into the model;
* the joint-space embedding of each patch: MaskCLIP's value path of the last
  block (each token attends only to itself, so attention reduces to the
  value and output projections) or, in ``'tokens'`` mode, the final tokens;
  either way then the final norm and both heads, exactly as the class token
  goes to ``encode_image``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from open_clip.timm_model import TimmModel
from timm.layers import HybridEmbed, resample_abs_pos_embed
from timm.models.vision_transformer import Block, VisionTransformer

from .contract import DenseFeatures, FeatureSpec


def timm_dense_unavailable_reason(visual: TimmModel, mode: str) -> str | None:
    """Why the timm tower ``visual`` has no dense path under ``mode``, or None when it has one."""
    trunk = visual.trunk
    if not isinstance(trunk, VisionTransformer):
        return f"its timm tower is a {type(trunk).__name__}, not a VisionTransformer"
    if not isinstance(trunk.patch_embed, HybridEmbed):
        return (
            f"its timm ViT embeds patches with a {type(trunk.patch_embed).__name__}, which is fixed to "
            "its training size; clipx's timm dense path covers ViTs with a convolutional stem (HybridEmbed)"
        )
    if trunk.pos_embed is None or trunk.cls_token is None or trunk.reg_token is not None or trunk.no_embed_class:
        return (
            "its timm ViT is not a class token plus patch tokens under one learned position table "
            "(register tokens, no class token or no position table)"
        )
    if trunk.attn_pool is not None or trunk.global_pool not in ("token", "avg") or hasattr(visual.head, "pool"):
        return "its timm ViT is not pooled by its class token or the mean of its patch tokens (attentional pooler)"
    if mode == "maskclip" and not isinstance(trunk.blocks[-1], Block):
        return "dense_mode='maskclip' needs timm's default ViT blocks; use dense_mode='tokens'"
    return None


def timm_token_stride(visual: TimmModel) -> int:
    """Input pixels per token: the conv stem's downsampling times the patch size (8 for clipx's 64-px towers)."""
    return int(visual.trunk.patch_embed.feat_ratio())


def timm_dense_levels(visual: TimmModel) -> list[FeatureSpec]:
    """One :class:`FeatureSpec` per block: the ViT's width at the token stride."""
    trunk = visual.trunk
    stride = timm_token_stride(visual)
    return [FeatureSpec(index=i, channels=int(trunk.embed_dim), stride=stride) for i in range(len(trunk.blocks))]


def timm_vit_dense(visual: TimmModel, images: torch.Tensor, take: Sequence[int], mode: str) -> DenseFeatures:
    """Patch maps of the blocks in ``take``, per-patch and global joint-space embeddings.

    Args:
        visual: a tower :func:`timm_dense_unavailable_reason` accepts.
        images: (B, 3, H, W), H and W multiples of :func:`timm_token_stride`.
        take: block indices counted from 0, in increasing order.
        mode: ``'maskclip'`` or ``'tokens'`` (see the module docstring).

    Returns:
        maps (B, C, H/s, W/s) per index, embeds (B, D, H/s, W/s) and image_embeds
        (B, D), neither normalised.
    """
    trunk = visual.trunk
    grid = _token_grid(visual, images)
    x = trunk.patch_embed(images)
    if x.ndim == 4:  # a dynamic-size trunk's patch embedding keeps the grid (B, gh, gw, C)
        x = x.flatten(1, 2)
    x = _add_positions(trunk, x, grid)
    x = trunk.norm_pre(trunk.patch_drop(x))

    maps = []
    last_input = x
    for i, block in enumerate(trunk.blocks):
        last_input = x
        x = block(x)
        if i in take:
            maps.append(_patch_map(x, grid))
    image_embeds = visual.head(trunk.forward_head(trunk.norm(x)))
    tokens = _self_attention_only(trunk.blocks[-1], last_input) if mode == "maskclip" else x
    embeds = _project_tokens(visual, trunk.norm(tokens[:, 1:]))
    return DenseFeatures(maps=maps, embeds=embeds.transpose(1, 2).reshape(len(x), -1, *grid), image_embeds=image_embeds)


def _token_grid(visual: TimmModel, images: torch.Tensor) -> tuple[int, int]:
    height, width = images.shape[-2:]
    stride = timm_token_stride(visual)
    if height % stride or width % stride:
        embed = visual.trunk.patch_embed
        fit = f"{-(-height // stride) * stride}x{-(-width // stride) * stride}"
        raise ValueError(
            f"Input {height}x{width} is not a multiple of the token stride {stride} of this conv-stem "
            f"ViT (the stem downsamples {embed.feature_ratio[0]}x, then {embed.patch_size[0]}-px "
            f"patches); resize or pad it to multiples of {stride}, e.g. {fit}."
        )
    return height // stride, width // stride


def _add_positions(trunk: VisionTransformer, patches: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
    """Class token in front, then the position table resampled from the training grid to ``grid``."""
    positions = resample_abs_pos_embed(
        trunk.pos_embed, new_size=list(grid), old_size=list(trunk.patch_embed.grid_size), num_prefix_tokens=1
    )
    cls = trunk.cls_token.to(patches.dtype).expand(len(patches), -1, -1)
    return trunk.pos_drop(torch.cat([cls, patches], dim=1) + positions.to(patches.dtype))


def _patch_map(tokens: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
    """(B, 1 + gh*gw, C) tokens -> (B, C, gh, gw) map of the patch tokens."""
    return tokens[:, 1:].transpose(1, 2).reshape(len(tokens), -1, *grid)


def _self_attention_only(block: Block, x: torch.Tensor) -> torch.Tensor:
    """The block's output when every token attends only to itself (MaskCLIP's value path).

    The block runs its own forward under a diagonal attention mask: the softmax
    puts all weight on the token itself, so attention is exactly the value
    projection followed by the output projection, whatever else the block does
    (layer scale, gating, the MLP) stays as trained.
    """
    self_only = torch.eye(x.shape[1], dtype=torch.bool, device=x.device)
    return block(x, attn_mask=self_only)


def _project_tokens(visual: TimmModel, tokens: torch.Tensor) -> torch.Tensor:
    """(B, N, C) normed tokens -> (B, N, D): the trunk's and open_clip's heads, per token (no pooling)."""
    trunk = visual.trunk
    return visual.head(trunk.head(trunk.head_drop(trunk.fc_norm(tokens))))
