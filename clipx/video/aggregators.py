"""Temporal aggregators: frame embeddings (B, T, D) -> one video embedding (B, D).

Contract of every aggregator registered here (in clipx's ``MODELS``):
``forward(frame_embeds, frame_mask)`` with ``frame_embeds`` (B, T, D) and
``frame_mask`` (B, T) bool (True = a real frame) returns (B, D) L2-normalised
float32; padded frames never change the result, and a video without any real
frame gives the zero vector. An aggregator that needs the backbone (its width,
its text transformer) takes a keyword-only ``clip`` argument, which
:func:`build_aggregator` fills in.

* :class:`MeanPooling` (CLIP4Clip's "meanP"): parameter-free masked mean.
* :class:`TemporalTransformer` (CLIP4Clip's "seqTransf"): learned frame
  positions and a small transformer over the frames, initialised from the first
  blocks of CLIP's text transformer, plus a residual to the frame embeddings,
  then the masked mean.

Both follow CLIP4Clip's ``_loose_similarity``: frames are L2-normalised,
averaged over the real frames and normalised again. One difference: clipx's
``FrozenCLIP.encode_image`` already returns L2-normalised frame embeddings,
while CLIP4Clip feeds the transformer the unnormalised image projections (for
meanP this changes nothing, because CLIP4Clip normalises each frame before
averaging).
"""

from __future__ import annotations

import inspect
import logging

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from open_clip.transformer import LayerNorm, ResidualAttentionBlock
from torch import nn

from clipx.backbone import FrozenCLIP
from clipx.registry import MODELS

# CLIP4Clip's additive attention mask: large and finite, so a video without
# real frames gives uniform attention instead of NaN.
_MASKED = -1e6


def masked_mean(frame_embeds: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the real frames.

    Args:
        frame_embeds: (B, T, D).
        frame_mask: (B, T) bool.

    Returns:
        (B, D); zeros for a video without real frames.
    """
    weights = frame_mask.to(frame_embeds.dtype).unsqueeze(-1)
    return (frame_embeds * weights).sum(1) / weights.sum(1).clamp_min(1.0)


def _check_inputs(frame_embeds: torch.Tensor, frame_mask: torch.Tensor) -> None:
    if frame_embeds.ndim != 3 or frame_mask.shape != frame_embeds.shape[:2]:
        raise ValueError(
            f"frame_embeds must be (B, T, D) and frame_mask (B, T); got {tuple(frame_embeds.shape)} "
            f"and {tuple(frame_mask.shape)}."
        )


def pool_frames(frame_embeds: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
    """CLIP4Clip's pooling: normalise frames, masked mean, normalise; (B, D)."""
    frames = F.normalize(frame_embeds.float(), dim=-1)
    return F.normalize(masked_mean(frames, frame_mask), dim=-1)


@MODELS.register_module(name="MeanPooling")
class MeanPooling(nn.Module):
    """CLIP4Clip's "meanP": the L2-normalised mean of the real frames' embeddings.

    No parameters; the default aggregator of :class:`~clipx.video.CLIP4Clip`.
    """

    def forward(self, frame_embeds: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        """(B, T, D) frames, (B, T) bool mask -> (B, D) L2-normalised."""
        _check_inputs(frame_embeds, frame_mask)
        return pool_frames(frame_embeds, frame_mask)


@MODELS.register_module(name="TemporalTransformer")
class TemporalTransformer(nn.Module):
    """CLIP4Clip's "seqTransf": a transformer over the frame sequence.

    ``out = pool(frames + blocks(frames + position[:T]))`` with
    :func:`pool_frames` over the real frames; padded frames are masked out as
    attention keys.

    Initialisation (CLIP4Clip copies the first ``cross_num_hidden_layers=4``
    text blocks and the text positional embedding):

    * When CLIP's text width equals the joint dimension D (OpenAI ViT-B/32:
      512 = 512; ``clipx-RN-tiny-64``: 128 = 128), block i is a copy of open_clip
      ``ResidualAttentionBlock`` i of the text transformer
      (``FrozenCLIP.copy_text_blocks``), for i < min(num_layers, text
      layers); further blocks, if any, start random. The frame positions start
      as the first ``max_frames`` rows of the text positional embedding.
    * When the widths differ (``clipx-ViT-test-8-32``: text 64, D 32) the text
      blocks cannot act on D-dimensional frames; rather than project (which
      would add untrained layers on both sides of the copied ones) every block
      starts random, with ``num_heads`` heads, and the positions from
      N(0, 0.01^2). The choice is logged. ``init_from_text=False`` asks for this
      random start in any case.

    The copies are independent trainable parameters (float32); the text tower
    of the backbone is untouched.

    Args:
        clip: the backbone (read for D, the text blocks and positions; not kept).
        num_layers: transformer blocks (CLIP4Clip: 4).
        max_frames: longest frame sequence (size of the position table).
        num_heads: heads of randomly initialised blocks; default ``max(1, D // 64)``
            (CLIP's rule). Copied blocks keep the text tower's heads.
        init_from_text: copy the text transformer's first blocks when the widths match.
        position_std: when given, the frame positions start from N(0, std^2)
            instead of the text positions (a tiny CLIP's text positions are too
            small to make the blocks order-aware; 0.1 gives rows of about the
            unit frame embeddings' norm at D=128).
    """

    def __init__(
        self,
        *,
        clip: FrozenCLIP,
        num_layers: int = 4,
        max_frames: int = 32,
        num_heads: int | None = None,
        init_from_text: bool = True,
        position_std: float | None = None,
    ) -> None:
        super().__init__()
        if num_layers < 1 or max_frames < 1:
            raise ValueError(
                f"num_layers={num_layers}, max_frames={max_frames}; both must be positive."
            )
        dim = clip.embed_dim
        self.embed_dim = dim
        self.max_frames = int(max_frames)
        text_layers = clip.text_layers
        text_width = clip.text_width
        copy_text = init_from_text and text_width == dim
        num_heads = int(num_heads or max(1, dim // 64))
        if dim % num_heads:
            raise ValueError(
                f"num_heads={num_heads} does not divide the embedding dimension {dim}."
            )
        self.copied_layers = min(num_layers, text_layers) if copy_text else 0
        blocks = list(clip.copy_text_blocks(self.copied_layers))
        blocks += [
            ResidualAttentionBlock(dim, num_heads, norm_layer=LayerNorm)
            for _ in range(num_layers - self.copied_layers)
        ]
        self.blocks = nn.ModuleList(blocks).float().requires_grad_(True)

        position = torch.empty(self.max_frames, dim)
        text_pos = clip.text_positions()
        if position_std is not None:
            nn.init.normal_(position, std=float(position_std))
        elif copy_text and text_pos is not None and text_pos.shape[0] >= self.max_frames:
            position.copy_(text_pos[: self.max_frames])
        else:
            nn.init.normal_(position, std=0.01)
        self.frame_position = nn.Parameter(position)
        self._log_init(clip, text_width, text_layers, num_layers, copy_text, init_from_text)

    def _log_init(
        self, clip, text_width, text_layers, num_layers, copy_text, init_from_text
    ) -> None:
        if copy_text:
            msg = f"blocks 0-{self.copied_layers - 1} copied from {clip.model_name}'s text transformer"
            if num_layers > text_layers:
                msg += f", blocks {text_layers}-{num_layers - 1} start random (the text tower has {text_layers})"
        elif init_from_text:
            msg = (
                f"all {num_layers} blocks start random: {clip.model_name}'s text width {text_width} differs "
                f"from its embedding dimension {self.embed_dim}"
            )
        else:
            msg = f"all {num_layers} blocks start random (init_from_text=False)"
        print_log(f"TemporalTransformer: {msg}.", logger="current", level=logging.INFO)

    def attention_mask(self, frame_mask: torch.Tensor) -> torch.Tensor:
        """(B * heads, T, T) additive mask that hides padded frames as keys."""
        heads = self.blocks[0].attn.num_heads
        bias = (~frame_mask).float() * _MASKED  # (B, T), over keys
        t = frame_mask.shape[1]
        return bias[:, None, None, :].expand(-1, heads, t, -1).reshape(-1, t, t)

    def forward(self, frame_embeds: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        """(B, T, D) frames, (B, T) bool mask -> (B, D) L2-normalised."""
        _check_inputs(frame_embeds, frame_mask)
        t = frame_embeds.shape[1]
        if t > self.max_frames:
            raise ValueError(
                f"Got {t} frames but TemporalTransformer(max_frames={self.max_frames}); raise max_frames "
                "or sample fewer frames."
            )
        frames = frame_embeds.float()
        x = frames + self.frame_position[:t]
        mask = self.attention_mask(frame_mask)
        for block in self.blocks:
            x = block(x, attn_mask=mask)
        return pool_frames(x + frames, frame_mask)


def build_aggregator(cfg: nn.Module | dict | None, clip: FrozenCLIP) -> nn.Module:
    """An aggregator from an instance or its config (default: :class:`MeanPooling`).

    ``clip`` is passed to aggregators whose constructor takes a ``clip`` argument.
    """
    if cfg is None:
        return MeanPooling()
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict) or "type" not in cfg:
        raise TypeError(
            f"aggregator must be a module or a config dict such as dict(type='MeanPooling'), got {cfg!r}."
        )
    kind = cfg["type"]
    cls = MODELS.get(kind) if isinstance(kind, str) else kind
    takes_clip = "clip" in inspect.signature(cls.__init__).parameters
    return MODELS.build(cfg, default_args={"clip": clip} if takes_clip else None)
