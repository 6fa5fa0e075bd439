"""COCO AP over all, base and novel categories (and LVIS frequency groups), by pycocotools."""

from __future__ import annotations

import contextlib
import io
import os.path as osp
import tempfile
from collections import OrderedDict
from collections.abc import Sequence

from mmdet.datasets.api_wrappers import COCO, COCOeval
from mmdet.evaluation.metrics import CocoMetric
from mmdet.registry import METRICS
from mmengine.fileio import load
from mmengine.logging import MMLogger

from .data import split_categories

FREQUENCY_GROUPS = {"r": "APr", "c": "APc", "f": "APf"}


def coco_ap(
    coco_gt: COCO,
    coco_dt: COCO,
    cat_ids: Sequence[int],
    img_ids: Sequence[int],
    *,
    max_dets: Sequence[int] = (100, 300, 1000),
    iou_thrs=None,
) -> tuple[float, float]:
    """(AP@[.5:.95], AP50) of pycocotools' COCOeval restricted to ``cat_ids``."""
    evaluator = COCOeval(coco_gt, coco_dt, "bbox")
    evaluator.params.catIds = list(cat_ids)
    evaluator.params.imgIds = list(img_ids)
    evaluator.params.maxDets = list(max_dets)
    if iou_thrs is not None:
        evaluator.params.iouThrs = iou_thrs
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return float(evaluator.stats[0]), float(evaluator.stats[1])


@METRICS.register_module()
class OpenVocabCocoMetric(CocoMetric):
    """mmdet's :class:`CocoMetric` bbox AP, also over base and over novel categories.

    Each group's AP is pycocotools' COCOeval restricted to that group's
    category ids (the same evaluation parameters as ``CocoMetric``), so
    ``novel_bbox_mAP`` is what COCOeval reports for the novel ids alone.
    Keys (under the ``coco`` prefix): ``bbox_mAP``, ``bbox_mAP_50``,
    ``base_bbox_mAP``, ``base_bbox_mAP_50``, ``novel_bbox_mAP``,
    ``novel_bbox_mAP_50`` and, when the json has LVIS frequencies,
    ``bbox_APr``, ``bbox_APc``, ``bbox_APf`` (COCO protocol on each group, not
    LVIS's federated one).

    Args:
        novel_names / novel_frequencies: the split, as for
            :class:`OpenVocabCocoDataset`; by default the dataset's
            ``novel_classes`` (or the json's ``"split"`` marks).
        **kwargs: :class:`CocoMetric` arguments (``ann_file`` required).
    """

    def __init__(
        self,
        *,
        novel_names: Sequence[str] | None = None,
        novel_frequencies: Sequence[str] | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("metric", "bbox")
        if kwargs["metric"] not in ("bbox", ["bbox"]):
            raise ValueError(
                f"OpenVocabCocoMetric evaluates boxes only, got metric={kwargs['metric']!r}."
            )
        if kwargs.get("ann_file") is None:
            raise ValueError("OpenVocabCocoMetric needs ann_file (the json with the categories).")
        super().__init__(**kwargs)
        self.novel_names = novel_names
        self.novel_frequencies = novel_frequencies

    def category_groups(self) -> dict[str, list[int]]:
        """Category ids per reported group: '' (all evaluated), 'base_', 'novel_', 'APr', ..."""
        cats = [self._coco_api.cats[i] for i in self.cat_ids]
        novel_names = self.novel_names
        if novel_names is None and self.novel_frequencies is None and self.dataset_meta:
            novel_names = self.dataset_meta.get("novel_classes")
        base, novel = split_categories(
            list(self._coco_api.dataset["categories"]),
            novel_names=None if novel_names is None else list(novel_names),
            novel_frequencies=self.novel_frequencies,
        )
        groups = {"": [c["id"] for c in cats]}
        groups["base_"] = [c["id"] for c in cats if c["name"] in set(base)]
        groups["novel_"] = [c["id"] for c in cats if c["name"] in set(novel)]
        for freq, name in FREQUENCY_GROUPS.items():
            ids = [c["id"] for c in cats if c.get("frequency") == freq]
            if ids:
                groups[name] = ids
        return groups

    def compute_metrics(self, results: list) -> dict[str, float]:
        logger = MMLogger.get_current_instance()
        _, preds = zip(*results, strict=True)
        if self.cat_ids is None:
            self.cat_ids = self._coco_api.get_cat_ids(cat_names=self.dataset_meta["classes"])
        img_ids = sorted({p["img_id"] for p in preds})
        with tempfile.TemporaryDirectory() as tmp:
            prefix = self.outfile_prefix or osp.join(tmp, "results")
            detections = load(self.results2json(preds, prefix)["bbox"])
        out: dict[str, float] = OrderedDict()
        if not detections:
            logger.warning("No detections at all: every AP is 0.")
            coco_dt = None
        else:
            coco_dt = self._coco_api.loadRes(detections)
        for prefix, ids in self.category_groups().items():
            if not ids:
                continue
            if coco_dt is None:
                ap, ap50 = 0.0, 0.0
            else:
                ap, ap50 = coco_ap(
                    self._coco_api,
                    coco_dt,
                    ids,
                    img_ids,
                    max_dets=self.proposal_nums,
                    iou_thrs=self.iou_thrs,
                )
            key = f"bbox_{prefix}" if prefix.startswith("AP") else f"{prefix}bbox_mAP"
            out[key] = round(ap, 4)
            if not prefix.startswith("AP"):
                out[f"{key}_50"] = round(ap50, 4)
        logger.info("open-vocabulary bbox AP: " + ", ".join(f"{k}={v:.4f}" for k, v in out.items()))
        return out
