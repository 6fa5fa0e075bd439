"""Tip-Adapter's training-free cache model (Zhang et al. 2022, arXiv:2207.09519)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from clipx.registry import MODELS


def tip_adapter_logits(
    image_embeds: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    *,
    alpha: float,
    beta: float,
) -> torch.Tensor:
    """Tip-Adapter's cache logits, ``alpha * exp(-beta * (1 - image_embeds @ keys.T)) @ values``.

    Args:
        image_embeds: (B, D), L2-normalised test embeddings.
        keys: (N, D), L2-normalised few-shot embeddings.
        values: (N, C) the keys' one-hot labels (a row of zeros for a key whose
            class is not in the vocabulary).
        alpha: the residual weight of the cache against CLIP's logits.
        beta: the sharpness of the affinity.

    Returns:
        (B, C) float32, added to CLIP's zero-shot logits by the caller.
    """
    if image_embeds.shape[-1] != keys.shape[-1] or keys.shape[0] != values.shape[0]:
        raise ValueError(
            f"image_embeds (B, D) {tuple(image_embeds.shape)}, keys (N, D) {tuple(keys.shape)} and "
            f"values (N, C) {tuple(values.shape)} do not fit together."
        )
    affinity = torch.exp(-beta * (1.0 - image_embeds.float() @ keys.float().T))
    return alpha * affinity @ values.float()


@MODELS.register_module()
class TipAdapterCache(nn.Module):
    """A key-value cache of few-shot image embeddings, read by affinity.

    Keys are the L2-normalised few-shot image embeddings, values their one-hot
    labels; a query scores ``alpha * exp(-beta * (1 - cos)) @ values``
    (:func:`tip_adapter_logits`). Nothing is trained (the paper's Tip-Adapter;
    Tip-Adapter-F, which fine-tunes the keys, is not implemented). Paper
    defaults on ImageNet: ``alpha=1``, ``beta=5.5``.

    The cache stores class *names*, not indices: :meth:`forward` maps them onto
    whatever vocabulary it is given, so a label list in another order, or with
    classes the cache has no shots of, still works (those classes get no cache
    score). Keys and labels are non-persistent buffers: checkpoints do not hold
    them, :meth:`fill` (or ``TipAdapterCacheHook``) sets them for each run.

    Args:
        alpha: the residual weight of the cache logits.
        beta: the sharpness of the affinity.
    """

    def __init__(self, *, alpha: float = 1.0, beta: float = 5.5) -> None:
        super().__init__()
        if float(alpha) < 0 or float(beta) <= 0:
            raise ValueError(f"alpha={alpha}, beta={beta}; need alpha >= 0 and beta > 0.")
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.register_buffer("keys", torch.zeros(0, 0), persistent=False)
        self.register_buffer("labels", torch.zeros(0, dtype=torch.long), persistent=False)
        self.class_names: tuple[str, ...] = ()

    @property
    def is_filled(self) -> bool:
        return self.keys.shape[0] > 0

    def fill(self, keys: torch.Tensor, labels: torch.Tensor, class_names: Sequence[str]) -> None:
        """Set the cache.

        Args:
            keys: (N, D) image embeddings; normalised here.
            labels: (N,) long indices into ``class_names``.
            class_names: the names the labels index.
        """
        labels = torch.as_tensor(labels, dtype=torch.long).reshape(-1)
        if keys.ndim != 2 or keys.shape[0] != labels.numel() or labels.numel() == 0:
            raise ValueError(
                f"keys must be (N, D) with N = len(labels) = {labels.numel()} > 0, got shape "
                f"{tuple(keys.shape)}."
            )
        if isinstance(class_names, str):
            raise TypeError(f"class_names must be a list of names, got the string {class_names!r}.")
        names = tuple(str(n) for n in class_names)
        bad = labels[(labels < 0) | (labels >= len(names))]
        if bad.numel():
            raise ValueError(f"Label {bad[0].item()} is outside [0, {len(names)}) of class_names.")
        self.keys = F.normalize(keys.detach().float(), dim=-1).to(self.keys.device)
        self.labels = labels.to(self.keys.device)
        self.class_names = names

    def values(self, class_names: Sequence[str]) -> torch.Tensor:
        """(N, C) one-hot labels of the keys in the columns of ``class_names``."""
        column = {str(n): i for i, n in enumerate(class_names)}
        cols = torch.tensor(
            [column.get(n, -1) for n in self.class_names], device=self.labels.device
        )
        key_cols = cols[self.labels]
        values = torch.zeros(len(self.labels), len(column), device=self.labels.device)
        known = key_cols >= 0
        values[known.nonzero().flatten(), key_cols[known]] = 1.0
        return values

    def forward(self, image_embeds: torch.Tensor, class_names: Sequence[str]) -> torch.Tensor:
        """(B, D) L2-normalised embeddings -> (B, C) cache logits over ``class_names``."""
        if not self.is_filled:
            raise RuntimeError(
                "The Tip-Adapter cache is empty: call fill(keys, labels, class_names), or add "
                "clip_adapter.TipAdapterCacheHook(dataset=<the few-shot set>) to custom_hooks."
            )
        return tip_adapter_logits(
            image_embeds, self.keys, self.values(class_names), alpha=self.alpha, beta=self.beta
        )

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, beta={self.beta}, keys={tuple(self.keys.shape)}"
