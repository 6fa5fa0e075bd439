"""Open-vocabulary region scores: text classifier logits, distillation loss, ViLD ensemble."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from clipx.backbone.scores import ensemble_weights, geometric_ensemble


def text_logits(
    region_embeds: torch.Tensor,
    text_embeds: torch.Tensor,
    background: torch.Tensor,
    temperature: float,
) -> torch.Tensor:
    """ViLD-text's classifier: cosine similarity to each class and to background, over a temperature.

    Args:
        region_embeds: (N, D) region embeddings (normalised here).
        text_embeds: (C, D) L2-normalised class embeddings.
        background: (D,) learnable background embedding (normalised here).
        temperature: divides the cosines (ViLD: 0.01).

    Returns:
        (N, C + 1) logits; the last column is background.
    """
    regions = F.normalize(region_embeds, dim=-1)
    classes = torch.cat([text_embeds.to(regions.dtype), F.normalize(background, dim=-1)[None]])
    return regions @ classes.t() / temperature


def distill_loss(region_embeds: torch.Tensor, clip_embeds: torch.Tensor) -> torch.Tensor:
    """ViLD-image's L1 loss: sum over dimensions, mean over regions, both sides normalised.

    Args:
        region_embeds: (M, D) the detector's embeddings of the stored boxes.
        clip_embeds: (M, D) CLIP's embeddings of the same boxes' crops.

    Returns:
        A scalar; 0 (with a graph) when M is 0.
    """
    if region_embeds.shape[0] == 0:
        return region_embeds.sum() * 0.0
    diff = F.normalize(region_embeds, dim=-1) - F.normalize(
        clip_embeds.to(region_embeds.dtype), dim=-1
    )
    return diff.abs().sum(dim=-1).mean()


def ensemble_scores(
    text_probs: torch.Tensor,
    image_probs: torch.Tensor,
    is_base: torch.Tensor,
    text_weight: float = 2.0 / 3.0,
) -> torch.Tensor:
    """ViLD-ensemble: a weighted geometric mean of the two branches' class probabilities.

    Base classes: ``text ** w * image ** (1 - w)``; novel classes:
    ``image ** w * text ** (1 - w)``, with ``w = text_weight`` (ViLD: 2/3);
    the shared :func:`clipx.backbone.scores.geometric_ensemble`.

    Args:
        text_probs: (N, C) the text branch's foreground probabilities.
        image_probs: (N, C) the image branch's probabilities.
        is_base: (C,) bool, whether each class was seen in training.
        text_weight: the exponent ``w``, in [0, 1].

    Returns:
        (N, C) ensembled scores.
    """
    if not 0.0 <= text_weight <= 1.0:
        raise ValueError(f"text_weight={text_weight}; use a value in [0, 1] (ViLD: 2/3).")
    text_exponent = ensemble_weights(
        is_base.to(text_probs.device), base_weight=text_weight, novel_weight=1.0 - text_weight
    )
    return geometric_ensemble(text_probs, image_probs, head_weight=text_exponent)
