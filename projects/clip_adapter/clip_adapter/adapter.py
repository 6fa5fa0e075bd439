"""CLIP-Adapter's visual adapter (Gao et al. 2021, arXiv:2110.04544)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from clipx.registry import MODELS


@MODELS.register_module()
class ResidualAdapter(nn.Module):
    """A bottleneck MLP on the image embedding, blended back by a residual ratio.

    ``x' = normalise(ratio * A(x) + (1 - ratio) * x)`` with
    ``A = ReLU . Linear(D/r -> D) . ReLU . Linear(D -> D/r)`` (no biases), as in
    CLIP-Adapter's visual adapter. The paper's best ``ratio`` for the visual
    adapter is about 0.2: the frozen embedding keeps most of the say, which is
    what keeps the adapter from overfitting a few shots. CLIP-Adapter applies
    it to the unnormalised image feature; here it takes clipx's L2-normalised
    ``encode_image`` output (the direction is all the cosine classifier uses).

    Args:
        embed_dim: D, the joint-space width (``FrozenCLIP.embed_dim``).
        reduction: r, the bottleneck is ``D // r`` wide (paper: 4).
        ratio: the residual ratio alpha in [0, 1]; 0 returns the input.
    """

    def __init__(self, *, embed_dim: int, reduction: int = 4, ratio: float = 0.2) -> None:
        super().__init__()
        if not isinstance(embed_dim, int) or embed_dim < 1:
            raise ValueError(f"embed_dim={embed_dim!r}; use the backbone's joint-space width.")
        if not isinstance(reduction, int) or not 1 <= reduction <= embed_dim:
            raise ValueError(
                f"reduction={reduction!r}; use an integer in [1, embed_dim={embed_dim}]."
            )
        if not 0.0 <= float(ratio) <= 1.0:
            raise ValueError(f"ratio={ratio}; the residual ratio must lie in [0, 1] (paper: 0.2).")
        self.embed_dim = embed_dim
        self.reduction = reduction
        self.ratio = float(ratio)
        hidden = embed_dim // reduction
        self.fc = nn.Sequential(
            nn.Linear(embed_dim, hidden, bias=False),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, embed_dim, bias=False),
            nn.ReLU(inplace=True),
        )

    def forward(self, image_embeds: torch.Tensor) -> torch.Tensor:
        """``image_embeds``: (B, D), L2-normalised -> (B, D), L2-normalised."""
        if image_embeds.ndim != 2 or image_embeds.shape[1] != self.embed_dim:
            raise ValueError(
                f"ResidualAdapter(embed_dim={self.embed_dim}) takes (B, {self.embed_dim}) image "
                f"embeddings, got shape {tuple(image_embeds.shape)}."
            )
        blended = self.ratio * self.fc(image_embeds) + (1.0 - self.ratio) * image_embeds
        return F.normalize(blended, dim=-1)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, reduction={self.reduction}, ratio={self.ratio}"
