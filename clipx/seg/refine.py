"""Soft masks refined by the image's own colours (pixel-adaptive mask refinement).

A segmentor that predicts on a coarse grid (a ViT's 8- or 16-pixel patches, upsampled) puts its
boundaries where the grid does, not where the image's edges are. Pixel-adaptive mask refinement
(PAMR; Araslanov and Roth, *Single-Stage Semantic Segmentation from Image Labels*, CVPR 2020,
and since used by text-supervised segmenters) repeatedly replaces each pixel's mask values with
a weighted mean of its neighbours', weighting a neighbour by how close its colour is to the
pixel's, relative to the colour spread around it. Masks then spread within regions of similar
colour and stop at edges. Training-free and label-free: it needs only the image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

_OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


def _neighbours(x: Tensor, dilations: Sequence[int]) -> Tensor:
    """(B, C, H, W) -> (B, C, 8 x len(dilations), H, W): each pixel's 8 neighbours at each
    dilation (the border replicated)."""
    h, w = x.shape[-2:]
    out = []
    for d in dilations:
        padded = F.pad(x, (d, d, d, d), mode="replicate")
        for dy, dx in _OFFSETS:
            out.append(padded[..., d + dy * d : d + dy * d + h, d + dx * d : d + dx * d + w])
    return torch.stack(out, dim=2)


@dataclass(frozen=True)
class MaskRefiner:
    """Settings of the refinement (see the module docstring).

    Args:
        iterations: how many times each pixel takes its neighbours' weighted mean.
        dilations: the neighbourhood rings' distances in pixels (8 neighbours each).
        temperature: the colour difference, in units of the local spread, that lowers a
            neighbour's weight by a factor e (PAMR: 0.1).
    """

    iterations: int = 10
    dilations: tuple[int, ...] = (1, 2, 4, 8)
    temperature: float = 0.1

    def __post_init__(self) -> None:
        if self.iterations < 1:
            raise ValueError(f"iterations={self.iterations}; refine at least once (>= 1).")
        if not self.dilations or any(int(d) < 1 for d in self.dilations):
            raise ValueError(f"dilations={self.dilations}; give pixel distances >= 1.")
        if self.temperature <= 0:
            raise ValueError(f"temperature={self.temperature}; it must be positive.")
        object.__setattr__(self, "dilations", tuple(int(d) for d in self.dilations))

    def affinity(self, images: Tensor) -> Tensor:
        """(B, N, H, W) each pixel's weights over its N neighbours (summing to 1)."""
        images = images.float()
        around = _neighbours(images, self.dilations)  # (B, 3, N, H, W)
        spread = around.std(dim=2, keepdim=True) + 1e-8
        distance = (around - images[:, :, None]).abs() / (self.temperature * spread)
        return (-distance.mean(dim=1)).softmax(dim=1)

    @torch.no_grad()
    def __call__(self, images: Tensor, masks: Tensor) -> Tensor:
        """(B, 3, H, W) images and (B, K, H, W) soft masks -> the refined masks (same shape).

        Each step is a convex combination of neighbours, so masks that sum to 1 over K still do.
        """
        if images.dim() != 4 or masks.dim() != 4 or images.shape[-2:] != masks.shape[-2:]:
            raise ValueError(
                f"images {tuple(images.shape)} and masks {tuple(masks.shape)} must be (B, C, H, W) "
                "and (B, K, H, W) of the same size; upsample the masks to the image first."
            )
        weights = self.affinity(images)[:, None]  # (B, 1, N, H, W)
        refined = masks.float()
        for _ in range(self.iterations):
            refined = (_neighbours(refined, self.dilations) * weights).sum(dim=2)
        return refined.to(masks.dtype)


__all__ = ["MaskRefiner"]
