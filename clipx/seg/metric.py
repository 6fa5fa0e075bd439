"""mIoU split into base (seen in training) and novel (zero-shot) classes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS


def class_iou(results: Sequence[tuple[torch.Tensor, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Per-class IoU and ground-truth pixel counts from ``IoUMetric.intersect_and_union`` results.

    Returns:
        ``iou`` (K,) with NaN for classes absent from labels and predictions,
        and ``label_area`` (K,).
    """
    intersect = sum(r[0] for r in results).double()
    union = sum(r[1] for r in results).double()
    label_area = sum(r[3] for r in results).double()
    return (intersect / union).numpy(), label_area.numpy()


def chance_iou(label_area: np.ndarray) -> np.ndarray:
    """Expected per-class IoU of a prediction drawn uniformly at random over the K classes.

    With N labelled pixels of which L_c belong to class c, a uniform guess
    predicts c on N/K pixels and hits L_c/K of them:
    IoU_c = (L_c/K) / (L_c + N/K - L_c/K).
    """
    k = len(label_area)
    n = label_area.sum()
    hit = label_area / k
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(label_area > 0, hit / (label_area + n / k - hit), np.nan)


@METRICS.register_module()
class OpenVocabIoUMetric(IoUMetric):
    """mmseg's :class:`IoUMetric` plus mIoU over base and novel classes, and chance levels.

    ``mIoU``, ``aAcc``, ``mAcc`` and the per-class table are ``IoUMetric``'s own
    (the same numbers). Added: ``mIoU_base`` and ``mIoU_novel`` (mean IoU over
    the classes named in ``novel_classes`` and over the rest), their harmonic
    mean ``hIoU``, and ``chance_mIoU_base`` / ``chance_mIoU_novel``: what a
    uniformly random prediction over the dataset's classes scores on the same
    labels. All in percent, like ``mIoU``.

    Args:
        novel_classes: names of the zero-shot classes (from the dataset's
            ``classes``).
        **kwargs: :class:`IoUMetric`'s arguments.
    """

    def __init__(self, *, novel_classes: Sequence[str] = (), **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(novel_classes, str):
            raise TypeError(
                f"novel_classes must be a list of names, got the string {novel_classes!r}."
            )
        self.novel_classes = tuple(novel_classes)

    def compute_metrics(self, results: list) -> dict[str, float]:
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        classes = list(self.dataset_meta["classes"])
        unknown = [c for c in self.novel_classes if c not in classes]
        if unknown:
            raise ValueError(
                f"novel_classes {unknown} are not among the dataset's classes {classes}."
            )
        iou, label_area = class_iou(results)
        chance = chance_iou(label_area)
        novel = np.array([c in self.novel_classes for c in classes])
        for name, subset in (("base", ~novel), ("novel", novel)):
            if subset.any():
                metrics[f"mIoU_{name}"] = _percent(np.nanmean(iou[subset]))
                metrics[f"chance_mIoU_{name}"] = _percent(np.nanmean(chance[subset]))
        if novel.any() and (~novel).any():
            b, n = metrics["mIoU_base"], metrics["mIoU_novel"]
            metrics["hIoU"] = round(2 * b * n / (b + n), 2) if b + n > 0 else 0.0
        return metrics


def _percent(value: float) -> float:
    return float(np.round(value * 100, 2))
