"""What GroupViT's background threshold costs: mmseg's IoU at several thresholds and with the
ground truth's background (the oracle), on one test set."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from mmengine.registry import METRICS
from mmengine.utils import ProgressBar
from mmseg.evaluation import IoUMetric

from clipx.seg.metric import class_iou

from .model import GroupViT, ground_truth_maps


@dataclass(frozen=True)
class BackgroundSetting:
    """One way to give the background: a threshold on ``by``, or the oracle's."""

    threshold: float | None
    by: str = "probability"

    @property
    def oracle(self) -> bool:
        return self.threshold is None

    def label(self) -> str:
        return "oracle background" if self.oracle else f"{self.by} < {self.threshold:g}"


def settings_of(
    thresholds: Sequence[float], kinds: Sequence[str], *, oracle: bool = True
) -> list[BackgroundSetting]:
    """Every threshold of every kind, then (``oracle``) the ground truth's background."""
    settings = [BackgroundSetting(t, by) for by in kinds for t in thresholds]
    return settings + ([BackgroundSetting(None)] if oracle else [])


@torch.no_grad()
def sweep_background(
    model: GroupViT,
    dataloader: Iterable,
    evaluator: dict,
    dataset_meta: dict,
    settings: Sequence[BackgroundSetting],
    *,
    progress: bool = True,
) -> list[dict]:
    """The evaluator's metrics (mmseg's ``IoUMetric`` or clipx's ``OpenVocabIoUMetric``) for
    every background setting, one pass over the data per setting through ``model.test_step``.

    Returns:
        one dict per setting: ``'setting'`` (its label), the metrics and each class's IoU in
        percent (``'IoU.<class>'``, NaN for a class neither labelled nor predicted), in order.
    """
    kept = (model.bg_threshold, model.background_by, model.oracle_background)
    batches = list(dataloader)
    rows = []
    bar = ProgressBar(len(settings) * len(batches)) if progress else None
    try:
        model.eval()
        for setting in settings:
            model.oracle_background = setting.oracle
            if not setting.oracle:
                model.bg_threshold, model.background_by = setting.threshold, setting.by
            metric = METRICS.build(dict(evaluator))
            metric.dataset_meta = dataset_meta
            for batch in batches:
                results = model.test_step(batch)
                metric.process(batch, [r.to_dict() for r in results])
                if bar is not None:
                    bar.update()
            iou, _ = class_iou(metric.results)
            per_class = {
                f"IoU.{c}": round(100 * float(v), 2)
                for c, v in zip(dataset_meta["classes"], iou, strict=True)
            }
            rows.append(
                {"setting": setting.label(), **metric.compute_metrics(metric.results), **per_class}
            )
    finally:
        model.bg_threshold, model.background_by, model.oracle_background = kept
    return rows


@torch.no_grad()
def grouping_quality(
    model: GroupViT, dataloader: Iterable, num_classes: int, *, ignore_index: int = 255
) -> dict:
    """How well the final groups cut the scene, apart from how they are named.

    Each image's pixels go to their final group (``model.group_map``, as at inference); each
    group is then given the ground truth's majority label among its pixels, and that
    prediction is scored with mmseg's IoU: the mIoU a perfect namer of the groups would reach
    (background included), the bound the grouping sets on every way of naming it.

    Returns:
        ``groups_per_image`` (mean final groups holding pixels), ``purity`` (% of labelled
        pixels whose group's majority label is their own), ``foreground_swallowed`` (% of
        foreground pixels in groups whose majority is the background; needs the model's
        background label), ``group_oracle_mIoU`` and ``IoU.<index>`` per class, in percent.
    """
    model.eval()
    background = model._background_index()
    results, groups_used, images, pure, labelled, swallowed, foreground = [], 0, 0, 0, 0, 0, 0
    for batch in dataloader:
        data = model.data_preprocessor(batch, False)
        inputs = data["inputs"]
        size = tuple(inputs.shape[-2:])
        maps = model.group_map(model.image_tower(inputs), size, inputs)
        truth = ground_truth_maps(data["data_samples"], size).to(maps.device)
        for group_of, gt in zip(maps, truth, strict=True):
            valid = gt != ignore_index
            majority = torch.full_like(gt, ignore_index)
            present = group_of[valid].unique()
            for g in present.tolist():
                here = (group_of == g) & valid
                majority[group_of == g] = gt[here].bincount(minlength=num_classes).argmax()
            groups_used += len(present)
            images += 1
            pure += int((majority[valid] == gt[valid]).sum())
            labelled += int(valid.sum())
            if background is not None:
                is_fg = valid & (gt != background)
                foreground += int(is_fg.sum())
                swallowed += int((majority[is_fg] == background).sum())
            results.append(
                IoUMetric.intersect_and_union(majority.cpu(), gt.cpu(), num_classes, ignore_index)
            )
    iou, _ = class_iou(results)
    out = {
        "groups_per_image": groups_used / max(images, 1),
        "purity": 100.0 * pure / max(labelled, 1),
        "group_oracle_mIoU": 100.0 * float(np.nanmean(iou)),
        **{f"IoU.{k}": 100.0 * float(v) for k, v in enumerate(iou)},
    }
    if background is not None:
        out["foreground_swallowed"] = 100.0 * swallowed / max(foreground, 1)
    return out
