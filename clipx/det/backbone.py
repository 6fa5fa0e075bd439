"""The shared FrozenCLIP as an mmdet backbone: its dense stage or block maps."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

from clipx.backbone import FrozenCLIP


@MODELS.register_module()
class CLIPDetBackbone(BaseModule):
    """Detector features from a frozen CLIP image tower, for an FPN-style neck.

    Inside :class:`clipx.det.ViLD` the detector passes its own ``clip``, so the
    backbone and the text side are one module; built alone it builds ``clip``.

    Args:
        clip: a :class:`FrozenCLIP` or its config.
        indices: stages (ModifiedResNet: 0 = stem, 1-4 = layer1-4) or blocks
            (ViT) whose maps become the detector's levels, in increasing order.
        channels_last: run a convolutional tower in channels-last memory format
            (faster convolutions on CPUs; the weights' values do not change).
    """

    def __init__(
        self,
        *,
        clip: FrozenCLIP | dict,
        indices: Sequence[int] = (1, 2, 3, 4),
        channels_last: bool = True,
    ) -> None:
        super().__init__()
        self.clip = clip if isinstance(clip, nn.Module) else MODELS.build(clip)
        self.indices = tuple(int(i) for i in indices)
        if list(self.indices) != sorted(set(self.indices)):
            raise ValueError(f"indices={self.indices} must be distinct and increasing.")
        self.out_channels: list[int] = self.clip.dense_channels(self.indices)
        self.channels_last = channels_last and self.clip.tower_kind != "vit"
        if self.channels_last:
            self.clip.use_channels_last()

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(B, 3, H, W) images normalised as CLIP expects -> one (B, C_i, H_i, W_i) map per index."""
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        maps = self.clip.forward_dense(images, indices=self.indices).maps
        return tuple(m.contiguous() for m in maps)

    def init_weights(self) -> None:
        """Nothing to initialise: the weights are CLIP's."""
