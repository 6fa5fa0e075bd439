"""An independent reference for the segmentation metrics: a numpy confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest


def confusion(pairs, num_classes: int, ignore_index: int = 255) -> np.ndarray:
    """(K, K) pixel counts, rows ground truth and columns prediction, of (pred, gt) label arrays."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    for pred, gt in pairs:
        pred, gt = np.asarray(pred).ravel(), np.asarray(gt).ravel()
        keep = gt != ignore_index
        index = gt[keep].astype(np.int64) * num_classes + pred[keep].astype(np.int64)
        matrix += np.bincount(index, minlength=num_classes**2).reshape(num_classes, num_classes)
    return matrix


def iou_summary(
    matrix: np.ndarray, names: Sequence[str], novel: Sequence[str] = ()
) -> dict[str, float]:
    """aAcc, mIoU, mAcc, and mIoU over base and novel classes, in percent, from a confusion matrix.

    A class without ground truth or prediction has no IoU and is left out of the means;
    one without ground truth has no accuracy. ``chance_mIoU_*`` is what a uniform guess
    over the K classes scores: on the N labelled pixels it says c on N/K of them and hits
    L_c/K of class c's L_c, so IoU_c = (L_c/K) / (L_c + N/K - L_c/K).
    """
    hits = np.diag(matrix).astype(np.float64)
    gt_area, pred_area = matrix.sum(axis=1), matrix.sum(axis=0)
    union = gt_area + pred_area - hits
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, hits / union, np.nan)
        acc = np.where(gt_area > 0, hits / gt_area, np.nan)
    is_novel = np.array([n in novel for n in names])
    out = dict(
        aAcc=100 * hits.sum() / matrix.sum(), mIoU=100 * np.nanmean(iou), mAcc=100 * np.nanmean(acc)
    )
    k, n = len(names), gt_area.sum()
    chance = np.array([(a / k) / (a + n / k - a / k) if a else np.nan for a in gt_area])
    if is_novel.any():
        for name, subset in (("novel", is_novel), ("base", ~is_novel)):
            out[f"mIoU_{name}"] = 100 * np.nanmean(iou[subset])
            out[f"chance_mIoU_{name}"] = 100 * np.nanmean(chance[subset])
    return out


@pytest.fixture
def reference_iou():
    """``f(pairs, names, novel=())``: :func:`iou_summary` of the (pred, gt) pairs' confusion matrix."""

    def compute(pairs, names, novel=()):
        return iou_summary(confusion(pairs, len(names)), names, novel)

    return compute
