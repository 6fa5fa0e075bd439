"""Encoding image regions with the backbone: boxes (resized or masked crops) and pixel masks.

Two-stage open-vocabulary heads ask CLIP to name a region by encoding it as a
whole image. ViLD crops proposal boxes at several context scales
(:class:`RegionEmbedder`, ViLD-image's targets); LSeg's region re-scoring cuts
predicted segments out by their pixel masks (:func:`mask_crops`). Both
encode through :func:`encode_crops`, and their scores are combined with the
head's by ViLD's geometric ensemble (:func:`clipx.backbone.scores.geometric_ensemble`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.ops import roi_align

from .contract import CLIPBackbone


def encode_crops(clip: CLIPBackbone, crops: torch.Tensor, *, batch: int = 256) -> torch.Tensor:
    """(N, 3, h, w) normalised crops -> (N, D) L2-normalised embeddings, ``batch`` crops per forward.

    Crops not at the backbone's input size are resized to it (bilinear).
    """
    if crops.shape[-2:] != clip.image_size:
        crops = F.interpolate(crops, size=clip.image_size, mode="bilinear", align_corners=False)
    if not len(crops):
        return crops.new_zeros(0, clip.embed_dim)
    with torch.no_grad():
        return torch.cat([clip.encode_image(c) for c in crops.split(batch)])


def mask_crops(image: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """(3, H, W) normalised image, (N, H, W) bool masks -> (N, 3, H, W), zero (the mean colour) outside each."""
    return image[None] * masks[:, None].to(image.dtype)


def expand_boxes(boxes: torch.Tensor, factor: float) -> torch.Tensor:
    """(M, 4) xyxy boxes scaled by ``factor`` about their centres."""
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = (boxes[:, 2:] - boxes[:, :2]) * (factor / 2)
    return torch.cat([centre - half, centre + half], dim=1)


@dataclass
class RegionEmbedder:
    """Crops boxes out of images at several context scales and encodes them with a frozen CLIP.

    A box's embedding is the normalised mean of its per-scale crops' normalised
    embeddings (ViLD's 1x + 1.5x ensemble).

    Args:
        clip: the teacher.
        scales: context factors; ViLD: 1x and 1.5x.
        crop_batch: crops per CLIP forward.
        crop_mode: ``"resize"`` (ViLD): each box is cut out and resized to
            CLIP's input size, so every object fills the crop. ``"mask"``: the
            whole image is resized to CLIP's input size and everything outside
            the box is set to CLIP's mean colour, so objects keep the scale
            they have in the image. A small CLIP trained at one scale (the
            shapes-world one) names masked boxes far better than resized ones.
    """

    clip: CLIPBackbone
    scales: tuple[float, ...] = (1.0, 1.5)
    crop_batch: int = 256
    crop_mode: str = "resize"

    def __post_init__(self) -> None:
        if self.crop_mode not in ("resize", "mask"):
            raise ValueError(f"crop_mode={self.crop_mode!r}; use 'resize' (ViLD) or 'mask'.")

    def normalise(self, rgb: np.ndarray) -> torch.Tensor:
        """(H, W, 3) uint8 RGB -> (3, H, W) float32 normalised as CLIP expects."""
        return self.clip.normalise(rgb)

    def crops(self, image: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """(len(scales) * M, 3, S, S) crops of one normalised image; outside it reads as zeros (the mean)."""
        size = self.clip.image_size
        rois = torch.cat([expand_boxes(boxes.float(), s) for s in self.scales])
        if self.crop_mode == "mask":
            return self._masked(image, rois)
        rois = torch.cat([rois.new_zeros(len(rois), 1), rois], dim=1)
        return roi_align(
            image[None], rois, output_size=size, spatial_scale=1.0, sampling_ratio=2, aligned=True
        )

    def _masked(self, image: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        """The whole image at CLIP's size, zero (the mean colour) outside each box."""
        (out_h, out_w), (h, w) = self.clip.image_size, image.shape[-2:]
        full = F.interpolate(
            image[None], size=(out_h, out_w), mode="bilinear", align_corners=False, antialias=True
        )
        # pixel centres in the original image's coordinates
        ys = (torch.arange(out_h, dtype=torch.float32) + 0.5) * (h / out_h)
        xs = (torch.arange(out_w, dtype=torch.float32) + 0.5) * (w / out_w)
        inside_y = (ys[None] >= rois[:, 1:2]) & (ys[None] < rois[:, 3:4])  # (N, out_h)
        inside_x = (xs[None] >= rois[:, 0:1]) & (xs[None] < rois[:, 2:3])  # (N, out_w)
        keep = inside_y[:, :, None] & inside_x[:, None, :]
        return full * keep[:, None].to(full.dtype)

    @torch.no_grad()
    def embed(
        self, images: Sequence[torch.Tensor], boxes: Sequence[torch.Tensor]
    ) -> list[torch.Tensor]:
        """Per image, (M_i, D) ensembled, L2-normalised embeddings of its boxes."""
        crops = torch.cat([self.crops(img, b) for img, b in zip(images, boxes, strict=True)])
        feats = encode_crops(self.clip, crops, batch=self.crop_batch)
        out, start = [], 0
        for b in boxes:
            n = len(b) * len(self.scales)
            per_scale = feats[start : start + n].view(len(self.scales), len(b), feats.shape[-1])
            out.append(F.normalize(F.normalize(per_scale, dim=-1).mean(dim=0), dim=-1))
            start += n
        return out
