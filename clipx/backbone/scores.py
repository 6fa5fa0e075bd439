"""Scoring against text: CLIP's logits and ViLD's geometric ensemble of two scorers."""

from __future__ import annotations

import torch


def class_logits(
    image_embeds: torch.Tensor, class_embeds: torch.Tensor, logit_scale: float | torch.Tensor = 1.0
) -> torch.Tensor:
    """CLIP's classification logits, ``logit_scale * image_embeds @ class_embeds.T``.

    Args:
        image_embeds: (N, D), L2-normalised.
        class_embeds: (C, D), L2-normalised (e.g. :meth:`FrozenCLIP.embed_classes`).
        logit_scale: CLIP's temperature (:attr:`FrozenCLIP.logit_scale`); it
            does not change any accuracy.

    Returns:
        (N, C) float32 logits.
    """
    if image_embeds.shape[-1] != class_embeds.shape[-1]:
        raise ValueError(
            f"image_embeds has dimension {image_embeds.shape[-1]} but class_embeds has "
            f"{class_embeds.shape[-1]}; both must come from the same CLIP model."
        )
    return logit_scale * image_embeds.float() @ class_embeds.float().T


def ensemble_weights(is_base: torch.Tensor, *, base_weight: float, novel_weight: float) -> torch.Tensor:
    """One side's exponent per class in ViLD's ensemble: ``base_weight`` for trained classes, else ``novel_weight``.

    ViLD trusts the trained head on the classes it saw (its exponent 2/3, CLIP's
    1/3) and CLIP on the ones it never saw (CLIP's 2/3).

    Args:
        is_base: (C,) bool, whether each class was in the training vocabulary.
        base_weight: the exponent for trained classes, in [0, 1].
        novel_weight: the exponent for the others, in [0, 1].

    Returns:
        (C,) float32 exponents.
    """
    check_weight("base_weight", base_weight)
    check_weight("novel_weight", novel_weight)
    return torch.where(is_base, base_weight, novel_weight)


def check_weight(name: str, value: float) -> float:
    """``value`` if it is an ensemble exponent in [0, 1], else a ValueError naming it."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}={value}; use a weight in [0, 1] (ViLD: 2/3 for the trusted side).")
    return value


def geometric_ensemble(
    head: torch.Tensor,
    clip: torch.Tensor,
    *,
    clip_weight: torch.Tensor | None = None,
    head_weight: torch.Tensor | None = None,
    log_space: bool = False,
) -> torch.Tensor:
    """ViLD's weighted geometric mean of a trained head's and CLIP's class scores.

    ``head ** (1 - w) * clip ** w`` per class with ``w = clip_weight``, or
    ``head ** v * clip ** (1 - v)`` with ``v = head_weight`` (give one; the
    other side's exponent is one minus it), broadcast over the last dimension.

    Args:
        head: (..., C) probabilities (log-probabilities with ``log_space``).
        clip: (..., C) the same from CLIP.
        clip_weight: (C,) CLIP's exponent per class (:func:`ensemble_weights`).
        head_weight: (C,) the head's exponent per class, instead.
        log_space: inputs and output are logs: ``(1 - w) * head + w * clip``.

    Returns:
        (..., C) combined scores, unnormalised.
    """
    if (clip_weight is None) == (head_weight is None):
        raise ValueError("Give geometric_ensemble either clip_weight= or head_weight=, not both or neither.")
    if clip_weight is not None:
        w_clip = clip_weight.to(device=head.device, dtype=head.dtype)
        w_head = 1 - w_clip
    else:
        w_head = head_weight.to(device=head.device, dtype=head.dtype)
        w_clip = 1.0 - w_head
    if log_space:
        return w_clip * clip + w_head * head
    return head.clamp_min(0) ** w_head * clip.clamp_min(0) ** w_clip
