"""Dense image features from open_clip's image towers at any input size.

The entry points (:func:`dense_unavailable_reason`, :func:`dense_forward`)
also dispatch to :mod:`clipx.backbone.timm_dense` for timm ViT towers with a
convolutional stem.

ViT: patch tokens from chosen blocks, with the position embeddings
interpolated to the input's grid; the joint-space embedding of each patch
comes either from the MaskCLIP value path of the last block (query-key
attention dropped, each token only attends to itself) or from the final
tokens through ``ln_post`` and ``proj``.

ModifiedResNet: stage maps (stem, layer1-4); each layer4 position goes
through the attention pool's value and output projections (MaskCLIP), which
is what the pool computes for a token that attends only to itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from open_clip.modified_resnet import ModifiedResNet
from open_clip.timm_model import TimmModel
from open_clip.transformer import ResidualAttentionBlock, VisionTransformer
from torch import nn

from .contract import DenseFeatures
from .timm_dense import timm_dense_levels, timm_dense_unavailable_reason, timm_vit_dense


def dense_unavailable_reason(visual: nn.Module, mode: str) -> str | None:
    """Why ``visual`` has no dense path under ``mode``, or None when it has one."""
    if isinstance(visual, ModifiedResNet):
        return None
    if isinstance(visual, TimmModel):
        return timm_dense_unavailable_reason(visual, mode)
    if not isinstance(visual, VisionTransformer):
        return (
            f"its image tower is a {type(visual).__name__}, not an open_clip VisionTransformer, "
            "ModifiedResNet or timm tower"
        )
    if visual.attn_pool is not None or visual.pool_type not in ("tok", "avg") or visual.final_ln_after_pool:
        return "its ViT is not pooled by its class token or the mean of its patch tokens (attentional pooler)"
    if mode == "maskclip" and not isinstance(visual.transformer.resblocks[-1], ResidualAttentionBlock):
        return "dense_mode='maskclip' needs open_clip's default attention blocks; use dense_mode='tokens'"
    return None


def dense_forward(visual: nn.Module, images: torch.Tensor, *, indices: Sequence[int], mode: str) -> DenseFeatures:
    if isinstance(visual, VisionTransformer):
        return _vit_dense(visual, images, indices, mode)
    if isinstance(visual, ModifiedResNet):
        return _resnet_dense(visual, images, indices)
    if isinstance(visual, TimmModel) and timm_dense_unavailable_reason(visual, mode) is None:
        take = resolve_indices(indices, len(timm_dense_levels(visual)), "blocks")
        return timm_vit_dense(visual, images, take, mode)
    raise NotImplementedError(
        f"Dense features are implemented for open_clip's VisionTransformer and ModifiedResNet towers "
        f"and timm ViTs with a convolutional stem, not {type(visual).__name__} "
        f"({dense_unavailable_reason(visual, mode)})."
    )


def resolve_indices(indices: Sequence[int], count: int, what: str) -> list[int]:
    """Indices counted from 0 (negative ones from the end), checked against ``count`` blocks or stages.

    Returns them in increasing order, the order :func:`dense_forward` emits maps in.
    """
    out = []
    for i in indices:
        j = i + count if i < 0 else i
        if not 0 <= j < count:
            raise ValueError(f"dense index {i} is out of range for {count} {what}.")
        if j in out:
            raise ValueError(
                f"dense indices {tuple(indices)} name {what.split()[0][:-1]} {j} twice; give each once."
            )
        out.append(j)
    return sorted(out)


def interpolate_pos_embed(pos: torch.Tensor, grid: tuple[int, int], new_grid: tuple[int, int]) -> torch.Tensor:
    """Resize a ViT's (1 + gh*gw, C) position table to a new patch grid (bicubic)."""
    if tuple(grid) == tuple(new_grid):
        return pos
    cls_pos, patch_pos = pos[:1], pos[1:]
    channels = patch_pos.shape[-1]
    patch_pos = patch_pos.reshape(1, grid[0], grid[1], channels).permute(0, 3, 1, 2).float()
    patch_pos = F.interpolate(patch_pos, size=new_grid, mode="bicubic", align_corners=False)
    patch_pos = patch_pos.permute(0, 2, 3, 1).reshape(-1, channels).to(pos.dtype)
    return torch.cat([cls_pos, patch_pos], dim=0)


def _vit_dense(visual: VisionTransformer, images: torch.Tensor, indices: Sequence[int], mode: str) -> DenseFeatures:
    if visual.attn_pool is not None or visual.pool_type not in ("tok", "avg") or visual.final_ln_after_pool:
        raise NotImplementedError(
            "Dense features need a ViT pooled by its class token or the average of its patch tokens "
            "(pool_type 'tok' or 'avg', no attentional pooler)."
        )
    blocks = list(visual.transformer.resblocks)
    if mode == "maskclip" and not isinstance(blocks[-1], ResidualAttentionBlock):
        raise NotImplementedError("dense_mode='maskclip' needs open_clip's default attention blocks; use 'tokens'.")
    ph, pw = visual.patch_size
    height, width = images.shape[-2:]
    if height % ph or width % pw:
        raise ValueError(f"Input {height}x{width} is not a multiple of the patch size {ph}x{pw}.")
    take = resolve_indices(indices, len(blocks), "blocks")

    x = visual.conv1(images)  # (B, C, gh, gw)
    batch, channels, gh, gw = x.shape
    x = x.flatten(2).transpose(1, 2)
    cls = visual.class_embedding.to(x.dtype).expand(batch, 1, -1)
    x = torch.cat([cls, x], dim=1)
    x = x + interpolate_pos_embed(visual.positional_embedding, visual.grid_size, (gh, gw)).to(x.dtype)
    x = visual.ln_pre(x)

    maps = []
    last_input = x
    for i, block in enumerate(blocks):
        last_input = x
        x = block(x)
        if i in take:
            maps.append(x[:, 1:].transpose(1, 2).reshape(batch, channels, gh, gw))

    if visual.pool_type == "tok":
        pooled = visual.ln_post(x[:, 0]) @ visual.proj
    else:
        pooled = visual.ln_post(x[:, 1:]).mean(dim=1) @ visual.proj
    if mode == "maskclip":
        tokens = _value_path(blocks[-1], last_input)[:, 1:]
    else:
        tokens = x[:, 1:]
    embeds = visual.ln_post(tokens) @ visual.proj  # (B, gh*gw, D)
    embeds = embeds.transpose(1, 2).reshape(batch, -1, gh, gw)
    return DenseFeatures(maps=maps, embeds=embeds, image_embeds=pooled)


def _value_path(block: ResidualAttentionBlock, x: torch.Tensor) -> torch.Tensor:
    """The block's output when every token attends only to itself (MaskCLIP)."""
    attn = block.attn
    y = block.ln_1(x)
    dim = y.shape[-1]
    w_v = attn.in_proj_weight[2 * dim:]
    b_v = attn.in_proj_bias[2 * dim:] if attn.in_proj_bias is not None else None
    v = F.linear(y, w_v, b_v)
    x = x + block.ls_1(attn.out_proj(v))
    return x + block.ls_2(block.mlp(block.ln_2(x)))


def _resnet_dense(visual: ModifiedResNet, images: torch.Tensor, indices: Sequence[int]) -> DenseFeatures:
    stages = [visual.stem, visual.layer1, visual.layer2, visual.layer3, visual.layer4]
    take = resolve_indices(indices, len(stages), "stages (0 = stem, 1-4 = layer1-4)")
    maps = []
    x = images
    for i, stage in enumerate(stages):
        x = stage(x)
        if i in take:
            maps.append(x)
    pool = visual.attnpool
    batch, channels, h, w = x.shape
    tokens = x.flatten(2).transpose(1, 2)  # (B, HW, C)
    embeds = pool.c_proj(pool.v_proj(tokens)).transpose(1, 2).reshape(batch, -1, h, w)
    image_embeds = _resnet_pool(pool, x)
    return DenseFeatures(maps=maps, embeds=embeds, image_embeds=image_embeds)


def _resnet_pool(pool: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The attention pool's output token at any grid size (position table interpolated)."""
    side = math.isqrt(pool.positional_embedding.shape[0] - 1)
    pos = interpolate_pos_embed(pool.positional_embedding, (side, side), tuple(x.shape[-2:]))
    tokens = x.flatten(2).permute(2, 0, 1)  # (HW, B, C)
    tokens = torch.cat([tokens.mean(dim=0, keepdim=True), tokens], dim=0) + pos[:, None].to(tokens.dtype)
    out, _ = F.multi_head_attention_forward(
        query=tokens[:1], key=tokens, value=tokens,
        embed_dim_to_check=tokens.shape[-1], num_heads=pool.num_heads,
        q_proj_weight=pool.q_proj.weight, k_proj_weight=pool.k_proj.weight, v_proj_weight=pool.v_proj.weight,
        in_proj_weight=None, in_proj_bias=torch.cat([pool.q_proj.bias, pool.k_proj.bias, pool.v_proj.bias]),
        bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
        out_proj_weight=pool.c_proj.weight, out_proj_bias=pool.c_proj.bias,
        use_separate_proj_weight=True, training=False, need_weights=False,
    )
    return out[0]
