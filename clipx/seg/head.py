"""LSeg's head: multi-level CLIP features -> per-pixel joint-space embeddings -> label logits.

The decoder is DPT-like: each chosen block's (or stage's) map is *reassembled*
(projected to a common width and resampled to its pyramid level), then *fused*
from the coarsest level to the finest with residual conv units, and the finest
result is projected to the joint image-text space. Each pixel's embedding is
compared with every label's text embedding (cosine x temperature), so the
labels are an input of every forward pass, not a layer.

The residual path adds the backbone's own dense joint-space embedding (the
MaskCLIP projection of each position, upsampled) to the decoder's normalised
output. The decoder then learns a correction to CLIP's own alignment instead
of a new alignment, and labels it never saw in training keep CLIP's zero-shot
signal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor, nn

from clipx.backbone import DenseFeatures


class ResidualConvUnit(nn.Module):
    """x + conv(relu(conv(relu(x)))), both convs 3x3 (DPT/RefineNet)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv2(F.relu(self.conv1(F.relu(x))))


class FusionBlock(nn.Module):
    """Refine one pyramid level, add the (upsampled) coarser result, refine, project.

    Every layer runs whether or not there is a coarser input, so the coarsest
    level's block has no idle parameters (DPT's has one unit that never runs).
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.skip_unit = ResidualConvUnit(channels)
        self.merge_unit = ResidualConvUnit(channels)
        self.project = nn.Conv2d(channels, channels, 1)

    def forward(self, feat: Tensor, coarser: Tensor | None = None) -> Tensor:
        x = self.skip_unit(feat)
        if coarser is not None:
            x = x + F.interpolate(coarser, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return self.project(self.merge_unit(x))


def resampler(channels: int, scale: float) -> nn.Module:
    """Up- (transposed conv), down- (strided conv) or no resampling by ``scale``."""
    if scale == 1:
        return nn.Identity()
    if scale > 1:
        factor = int(scale)
        if factor != scale:
            raise ValueError(f"reassemble scale {scale} must be an integer when upsampling.")
        return nn.ConvTranspose2d(channels, channels, kernel_size=factor, stride=factor)
    stride = round(1 / scale)
    if not math.isclose(1 / stride, scale):
        raise ValueError(f"reassemble scale {scale} must be 1/n when downsampling.")
    return nn.Conv2d(channels, channels, kernel_size=3, stride=stride, padding=1)


class SpatialRegularizer(nn.Module):
    """LSeg's spatial regularisation: a 3x3 kernel shared by every label's logit map.

    Sharing one depthwise kernel across labels keeps the block independent of
    the vocabulary size. Each block adds ``act(conv(x))`` to its input; the
    kernels start at zero, so training starts from the plain logits.

    Args:
        num_blocks: how many blocks in sequence.
    """

    def __init__(self, num_blocks: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(1, 1, 3, padding=1) for _ in range(num_blocks))
        for conv in self.convs:
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)

    def forward(self, logits: Tensor) -> Tensor:
        batch, classes, h, w = logits.shape
        x = logits.reshape(batch * classes, 1, h, w)
        for conv in self.convs:
            x = x + F.leaky_relu(conv(x), 0.1)
        return x.reshape(batch, classes, h, w)


class TextClassifiedHead(BaseDecodeHead):
    """A decode head whose classifier is the label text embeddings passed to every call.

    The shared part of :class:`LSegHead` and :class:`MaskCLIPHead`: ``predict``
    resizes :meth:`forward`'s logits to the input, and there is no ``conv_seg``.
    """

    embed_dim: int

    def check_text_embeds(self, text_embeds: Tensor) -> None:
        """Raise ValueError unless ``text_embeds`` is (num_labels, embed_dim)."""
        if text_embeds.ndim != 2 or text_embeds.shape[1] != self.embed_dim:
            raise ValueError(
                f"text_embeds must be (num_labels, {self.embed_dim}), got {tuple(text_embeds.shape)}."
            )

    def predict(
        self,
        inputs: DenseFeatures,
        batch_img_metas: list[dict],
        test_cfg: dict | None,
        *,
        text_embeds: Tensor,
    ) -> Tensor:
        """(B, C, H, W) logits resized to the (padded) input size."""
        return self.predict_by_feat(self.forward(inputs, text_embeds=text_embeds), batch_img_metas)

    def cls_seg(self, feat: Tensor) -> Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} has no conv_seg; its classifier is the text embeddings passed "
            "to forward()."
        )


@MODELS.register_module()
class LSegHead(TextClassifiedHead):
    """LSeg's decode head on a frozen CLIP's dense features, labels given per call.

    Follows :class:`~mmseg.models.decode_heads.BaseDecodeHead`'s contract
    (``loss() -> forward() -> loss_by_feat()``, ``predict() -> forward() ->
    predict_by_feat()``, mmseg's loss config and ignore index) with two
    differences: the inputs are a :class:`~clipx.backbone.DenseFeatures` (the
    chosen maps plus the dense joint-space embeddings), and every call takes
    the labels' ``text_embeds`` (C, D) as a keyword argument. There is no
    ``conv_seg``: the labels' text embeddings take its place, and every
    parameter takes part in every forward pass (DDP needs no
    ``find_unused_parameters``).

    Args:
        in_channels: channels of each map in ``DenseFeatures.maps``
            (``FrozenCLIP.dense_channels()``).
        embed_dim: D, the joint space's dimension (``FrozenCLIP.embed_dim``).
        num_classes: size of the current vocabulary (informational: the logits
            have as many channels as ``text_embeds`` has rows).
        channels: the decoder's width.
        reassemble_scales: resampling factor of each map before fusion:
            ``(4, 2, 1, 0.5)`` turns four same-size ViT maps into DPT's pyramid;
            ``None`` keeps each map's size (ResNet stages already form one).
        upsample: the fused map is upsampled by this factor before the
            projection to the joint space.
        residual: add the backbone's dense joint-space embedding (upsampled)
            to the decoder's pixel embedding, both unit length, so the decoder
            turns CLIP's own embedding instead of replacing it. (Added to an
            unnormalised decoder output, the decoder learns to outgrow it: its
            output norm ran away and training stalled at all-background.)
        temperature: logits = cosine / temperature (LSeg: 0.07).
        learnable_temperature: learn the temperature (as a log scale, capped
            at 100 like CLIP's).
        spatial_blocks: number of :class:`SpatialRegularizer` blocks applied
            to the logits (0: none).
        loss_decode: mmseg loss config(s); default: cross-entropy averaged over the
            pixels that are not ignored.
        ignore_index: label value that takes no loss (255).
        align_corners: of the bilinear resizes to the label size.
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        *,
        in_channels: Sequence[int],
        embed_dim: int,
        num_classes: int,
        channels: int = 64,
        reassemble_scales: Sequence[float] | None = None,
        upsample: int = 2,
        residual: bool = True,
        temperature: float = 0.07,
        learnable_temperature: bool = False,
        spatial_blocks: int = 0,
        loss_decode: dict | Sequence[dict] | None = None,
        ignore_index: int = 255,
        align_corners: bool = False,
        init_cfg: dict | None = None,
    ) -> None:
        in_channels = [int(c) for c in in_channels]
        scales = (
            tuple(reassemble_scales) if reassemble_scales is not None else (1,) * len(in_channels)
        )
        if len(scales) != len(in_channels):
            raise ValueError(
                f"reassemble_scales {scales} has {len(scales)} entries but there are "
                f"{len(in_channels)} input maps (in_channels={in_channels})."
            )
        if temperature <= 0:
            raise ValueError(f"temperature={temperature}; use a positive value (LSeg: 0.07).")
        super().__init__(
            in_channels,
            channels,
            num_classes=num_classes,
            out_channels=num_classes,
            dropout_ratio=0,
            in_index=list(range(len(in_channels))),
            input_transform="multiple_select",
            loss_decode=loss_decode or dict(type=CrossEntropyLoss, avg_non_ignore=True),
            ignore_index=ignore_index,
            align_corners=align_corners,
            init_cfg=init_cfg,
        )
        # BaseDecodeHead builds a fixed-size classifier; the text embeddings replace it.
        del self.conv_seg
        self.embed_dim = int(embed_dim)
        self.residual = residual
        self.reassemble = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, channels, 1), resampler(channels, s))
            for c, s in zip(in_channels, scales, strict=True)
        )
        self.fusion = nn.ModuleList(FusionBlock(channels) for _ in in_channels)
        self.to_embed = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.Upsample(scale_factor=upsample, mode="bilinear", align_corners=False)
            if upsample > 1
            else nn.Identity(),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, self.embed_dim, 1),
        )
        log_scale = torch.tensor(math.log(1.0 / temperature))
        if learnable_temperature:
            self.log_scale = nn.Parameter(log_scale)
        else:
            self.register_buffer("log_scale", log_scale)
        self.regularizer = SpatialRegularizer(spatial_blocks) if spatial_blocks else None

    @property
    def logit_scale(self) -> Tensor:
        """1 / temperature (a scalar tensor), capped at 100."""
        return self.log_scale.exp().clamp(max=100.0)

    def pixel_embeds(self, inputs: DenseFeatures) -> Tensor:
        """(B, D, H, W) per-pixel joint-space embeddings, L2-normalised.

        H, W: the finest map's size times ``upsample``.
        """
        maps = self._transform_inputs(inputs.maps)
        levels = [block(m) for block, m in zip(self.reassemble, maps, strict=True)]
        # fuse from the coarsest level (smallest map) to the finest
        order = sorted(range(len(levels)), key=lambda i: levels[i].shape[-2] * levels[i].shape[-1])
        fused = None
        for i in order:
            fused = self.fusion[i](levels[i], fused)
        embeds = self.to_embed(fused)
        if self.residual:
            # both terms unit length: the decoder can turn CLIP's embedding but not drown it
            embeds = F.normalize(embeds, dim=1) + F.interpolate(
                inputs.embeds, size=embeds.shape[-2:], mode="bilinear", align_corners=False
            )
        return F.normalize(embeds, dim=1)

    def forward(self, inputs: DenseFeatures, *, text_embeds: Tensor) -> Tensor:
        """Label logits.

        Args:
            inputs: the backbone's dense features.
            text_embeds: (C, D) label embeddings (normalised here again).

        Returns:
            (B, C, H, W) logits at the decoder's resolution.
        """
        self.check_text_embeds(text_embeds)
        pixels = self.pixel_embeds(inputs)
        labels = F.normalize(text_embeds.to(pixels), dim=-1)
        logits = torch.einsum("bdhw,cd->bchw", pixels, labels) * self.logit_scale
        if self.regularizer is not None:
            logits = self.regularizer(logits)
        return logits

    def loss(
        self,
        inputs: DenseFeatures,
        batch_data_samples: SampleList,
        train_cfg: dict | None,
        *,
        text_embeds: Tensor,
    ) -> dict:
        """Per-pixel loss against ``gt_sem_seg`` (label i = row i of ``text_embeds``)."""
        return self.loss_by_feat(self.forward(inputs, text_embeds=text_embeds), batch_data_samples)

    def extra_repr(self) -> str:
        return (
            f"embed_dim={self.embed_dim}, residual={self.residual}, "
            f"learnable_temperature={isinstance(self.log_scale, nn.Parameter)}, "
            f"ignore_index={self.ignore_index}"
        )


@MODELS.register_module()
class MaskCLIPHead(TextClassifiedHead):
    """The training-free baseline (MaskCLIP): the backbone's own dense embedding scored per position.

    No parameters: each position's joint-space embedding (``DenseFeatures.embeds``,
    MaskCLIP's value path of the last block or the attention pool) is compared
    with the label embeddings, cosine / ``temperature``, and upsampled to the
    input. It is what CLIP's dense output gives before any head is trained, the
    floor every trained head is read against. Built by :class:`LSegSegmentor`
    like :class:`LSegHead` (same keyword arguments); it cannot be trained.

    Args:
        in_channels: the backbone's map channels (unused; the segmentor passes them).
        embed_dim: D, the joint space's dimension.
        num_classes: size of the current vocabulary (informational).
        temperature: logits = cosine / temperature.
        align_corners: of the bilinear resize to the input size.
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        *,
        in_channels: Sequence[int],
        embed_dim: int,
        num_classes: int,
        temperature: float = 0.07,
        align_corners: bool = False,
        init_cfg: dict | None = None,
    ) -> None:
        if temperature <= 0:
            raise ValueError(f"temperature={temperature}; use a positive value (MaskCLIP: 0.01).")
        super().__init__(
            [int(c) for c in in_channels],
            1,
            num_classes=num_classes,
            out_channels=num_classes,
            dropout_ratio=0,
            in_index=list(range(len(in_channels))),
            input_transform="multiple_select",
            # never called (nothing to train); by class, so no registry scope is needed
            loss_decode=dict(type=CrossEntropyLoss),
            align_corners=align_corners,
            init_cfg=init_cfg,
        )
        del self.conv_seg
        self.embed_dim = int(embed_dim)
        self.scale = 1.0 / temperature

    def forward(self, inputs: DenseFeatures, *, text_embeds: Tensor) -> Tensor:
        """(B, C, H', W') logits at the backbone's dense resolution."""
        self.check_text_embeds(text_embeds)
        pixels = F.normalize(inputs.embeds, dim=1)
        labels = F.normalize(text_embeds.to(pixels), dim=-1)
        return torch.einsum("bdhw,cd->bchw", pixels, labels) * self.scale

    def loss(self, inputs, batch_data_samples, train_cfg, *, text_embeds) -> dict:  # noqa: D102
        raise RuntimeError(
            "MaskCLIPHead is the training-free baseline and has nothing to train; test it with "
            "tools/test.py CONFIG (no checkpoint), or train an LSegHead config instead."
        )
