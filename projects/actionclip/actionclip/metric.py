"""Top-1 accuracy of video classification, reported next to its chance levels."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from clipx.evaluation.zeroshot import ZeroShotAccuracy
from clipx.registry import METRICS


@METRICS.register_module()
class VideoClassAccuracy(ZeroShotAccuracy):
    """clipx's ``ZeroShotAccuracy`` (top-k, mean per-class, per-class) plus the chance levels.

    Besides ``top{k}`` and ``mean_per_class`` it reports ``chance_top1``
    (100 / C, a uniformly random guess), ``majority_top1`` (always the most
    frequent class of the evaluated clips) and ``num_clips``. Clips are counted
    once per ``img_id`` (the video id). Data samples: see ``ZeroShotAccuracy``.

    Args:
        topk: the k of each top-k accuracy (default top-1 only).
        per_class: also report each class's accuracy as ``acc_{class name}``.
        collect_device: ``'cpu'`` or ``'gpu'``.
        prefix: metric-name prefix; default ``'action'``.
    """

    default_prefix = "action"

    def __init__(
        self,
        *,
        topk: Sequence[int] = (1,),
        per_class: bool = True,
        collect_device: str = "cpu",
        prefix: str | None = None,
    ) -> None:
        super().__init__(
            topk=topk, per_class=per_class, collect_device=collect_device, prefix=prefix
        )

    def compute_metrics(self, results: list) -> dict[str, float]:
        metrics = super().compute_metrics(results)
        unique = {n if r.get("img_id") is None else r["img_id"]: r for n, r in enumerate(results)}
        labels = torch.tensor([r["gt_label"] for r in unique.values()])
        num_classes = results[0]["scores"].numel()
        metrics["chance_top1"] = 100.0 / num_classes
        metrics["majority_top1"] = 100.0 * torch.bincount(labels).max().item() / len(labels)
        metrics["num_clips"] = len(labels)
        return metrics
