"""Which parameters one backward pass reached (timm's "every parameter gets a gradient" check)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from torch import nn

# Parameters that may get no gradient in a model's first step, with why: pattern
# (re.search on the parameter name) -> reason.
ZERO_AT_INIT: dict[str, str] = {
    r"visual\.layer\d\.\d+\.(conv[123]|bn[12])\.": (
        "open_clip's ModifiedResNet zero-initialises each residual block's last BatchNorm weight "
        "(bn3.weight), so every block starts as the identity and the layers before bn3 get a "
        "gradient from the second step on, once bn3.weight has moved"
    ),
    r"(^|\.)head\.scales\.\d+\.scale$": (
        "GLIP's head (mmdet's VLFusionModule) scales each level's box deltas by its own Scale, "
        "which only that level's positive anchors reach; a small batch's boxes are all assigned "
        "to the finer levels (a data fact, not an initial one)"
    ),
    r"(^|\.)log_multi_label_scale$": (
        "GroupViT's multi-label temperature only trains on captions that name a noun of its "
        "vocabulary; the fake captions name none of the real-data configs' nouns (a data fact)"
    ),
}


def trainable_without_gradient(
    module: nn.Module, *, explained: Mapping[str, str] = ZERO_AT_INIT
) -> list[str]:
    """Names of trainable parameters whose gradient is missing or zero everywhere.

    Call after one ``loss.backward()``; an empty list means the step reached
    every parameter that trains. Parameters a pattern of ``explained``
    matches (see :data:`ZERO_AT_INIT`) are not listed.

    A quantity that is zero in exact arithmetic can come out as rounding noise
    (e.g. a bias under a softmax it cannot move); such a parameter passes.
    """
    patterns = [re.compile(p) for p in explained]
    return [
        name
        for name, p in module.named_parameters()
        if p.requires_grad
        and (p.grad is None or not p.grad.any())
        and not any(pattern.search(name) for pattern in patterns)
    ]


def frozen_with_gradient(module: nn.Module) -> list[str]:
    """Names of parameters that do not train but hold a gradient (there should be none)."""
    return [n for n, p in module.named_parameters() if not p.requires_grad and p.grad is not None]
