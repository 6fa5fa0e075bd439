"""What GroupViT's background threshold costs: mmseg's IoU at several thresholds and with the
ground truth's background (the oracle), on one test set."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from mmengine.registry import METRICS
from mmengine.utils import ProgressBar

from clipx.seg.metric import class_iou

from .model import GroupViT


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
