"""Batch helpers every head uses: stacking a collated batch, reading data-sample fields, labels."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def stack_images(
    inputs: torch.Tensor | Sequence[torch.Tensor],
    *,
    what: str = "Images",
    hint: str = "give the dataset the model's eval transform (FrozenCLIP.image_transform()) so every "
    "image is resized alike",
) -> torch.Tensor:
    """(B, ...) from a batch tensor or the list ``pseudo_collate`` makes (images or clips)."""
    if isinstance(inputs, torch.Tensor):
        return inputs
    items = list(inputs)
    if not items:
        raise ValueError(f"The batch holds no {what.lower()}.")
    shapes = {tuple(x.shape) for x in items}
    if len(shapes) > 1:
        raise ValueError(f"{what} in a batch have different shapes {sorted(shapes)}; {hint}.")
    return torch.stack(items)


def sample_fields(sample, keys: Sequence[str]) -> dict:
    """The ``keys`` a data sample (dict or BaseDataElement) has, as a dict."""
    out = {}
    for key in keys:
        value = sample.get(key, None)
        if value is not None:
            out[key] = value.item() if isinstance(value, torch.Tensor) and value.numel() == 1 else value
    return out


def gt_labels(
    samples: Sequence, device: torch.device | str, *, num_classes: int | None = None, dataset_hint: str = ""
) -> torch.Tensor:
    """(B,) long class indices of a batch's data samples (``gt_label``), checked against the vocabulary.

    Args:
        samples: data samples (dicts or data elements) with ``gt_label``.
        device: where the labels go.
        num_classes: the vocabulary size, to check the labels against.
        dataset_hint: the dataset to use instead, named in the error.
    """
    missing = [i for i, s in enumerate(samples) if s.get("gt_label", None) is None]
    if missing or not samples:
        use = f" Use {dataset_hint}." if dataset_hint else ""
        raise KeyError(
            f"Training needs data_samples[i].gt_label (an int class index); samples {missing} have none.{use}"
        )
    labels = torch.tensor([int(s.gt_label) for s in samples], dtype=torch.long, device=device)
    if int(labels.min()) < 0:
        raise ValueError(f"gt_label {int(labels.min())} is negative; labels index the class list.")
    if num_classes is not None and int(labels.max()) >= num_classes:
        raise ValueError(f"gt_label {int(labels.max())} is outside the vocabulary of {num_classes} classes.")
    return labels
