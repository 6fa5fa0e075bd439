"""Metric parity: base/novel AP equals pycocotools' COCOeval restricted to those category ids."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
import torch
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from clipx.det import OpenVocabCocoMetric

from .conftest import NOVEL

pytestmark = pytest.mark.mm


def _predictions(coco: COCO, seed: int = 0) -> list[dict]:
    """Per image: jittered ground truth with some wrong labels, plus random boxes; at most 100."""
    rng = np.random.default_rng(seed)
    cat_ids = sorted(coco.getCatIds())
    samples = []
    for img_id in coco.getImgIds():
        info = coco.imgs[img_id]
        boxes, labels, scores = [], [], []
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=[img_id])):
            x, y, w, h = ann["bbox"]
            for _ in range(2):
                j = rng.normal(0, 2, 4)
                boxes.append([x + j[0], y + j[1], x + w + j[2], y + h + j[3]])
                label = (
                    cat_ids.index(ann["category_id"])
                    if rng.random() < 0.7
                    else int(rng.integers(len(cat_ids)))
                )
                labels.append(label)
                scores.append(rng.random())
        for _ in range(5):
            x0, y0 = rng.uniform(0, 40, 2)
            boxes.append([x0, y0, x0 + rng.uniform(5, 24), y0 + rng.uniform(5, 24)])
            labels.append(int(rng.integers(len(cat_ids))))
            scores.append(rng.random() * 0.5)
        samples.append(
            {
                "img_id": img_id,
                "ori_shape": (info["height"], info["width"]),
                "pred_instances": {
                    "bboxes": torch.tensor(boxes, dtype=torch.float32),
                    "scores": torch.tensor(scores, dtype=torch.float32),
                    "labels": torch.tensor(labels),
                },
            }
        )
    return samples


def _cocoeval(gt: COCO, samples: list[dict], cat_ids: list[int]) -> tuple[float, float]:
    """Plain pycocotools, default parameters, on the same detections."""
    label_to_cat = sorted(gt.getCatIds())
    dets = []
    for s in samples:
        p = s["pred_instances"]
        for box, score, label in zip(
            p["bboxes"].tolist(), p["scores"].tolist(), p["labels"].tolist(), strict=True
        ):
            dets.append(
                {
                    "image_id": s["img_id"],
                    "category_id": label_to_cat[label],
                    "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]],
                    "score": score,
                }
            )
    with contextlib.redirect_stdout(io.StringIO()):
        E = COCOeval(gt, gt.loadRes(dets), "bbox")
        E.params.catIds = cat_ids
        E.evaluate()
        E.accumulate()
        E.summarize()
    return E.stats[0], E.stats[1]


def _run_metric(ann_file, samples, names, **kwargs) -> dict:
    metric = OpenVocabCocoMetric(ann_file=str(ann_file), **kwargs)
    metric.dataset_meta = dict(classes=tuple(names), novel_classes=NOVEL)
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def test_base_and_novel_ap_equal_cocoeval_restricted_to_their_ids(det_set):
    _, written = det_set
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(written["det_val"]))
    cats = [gt.cats[i] for i in sorted(gt.getCatIds())]
    samples = _predictions(gt)
    metrics = _run_metric(written["det_val"], samples, [c["name"] for c in cats])

    novel_ids = [c["id"] for c in cats if c["name"] in NOVEL]
    base_ids = [c["id"] for c in cats if c["name"] not in NOVEL]
    for prefix, ids in (("", [c["id"] for c in cats]), ("base_", base_ids), ("novel_", novel_ids)):
        ap, ap50 = _cocoeval(gt, samples, ids)
        assert metrics[f"{prefix}bbox_mAP"] == pytest.approx(ap, abs=1e-4)
        assert metrics[f"{prefix}bbox_mAP_50"] == pytest.approx(ap50, abs=1e-4)
    assert (
        0 < metrics["novel_bbox_mAP_50"] < 1
        and metrics["base_bbox_mAP"] != metrics["novel_bbox_mAP"]
    )


def test_lvis_frequency_groups(det_set, tmp_path):
    _, written = det_set
    data = json.loads(written["det_val"].read_text())
    freqs = ["f", "c", "r", "f", "r", "c"]
    for cat, freq in zip(data["categories"], freqs, strict=True):
        cat["frequency"] = freq
        cat.pop("split")
    for image in data["images"]:  # LVIS names images by their COCO url
        image["coco_url"] = f"http://images.cocodataset.org/val2017/{image.pop('file_name')}"
    ann_file = tmp_path / "lvis_val.json"
    ann_file.write_text(json.dumps(data))
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(ann_file))
    samples = _predictions(gt, seed=1)
    metrics = _run_metric(
        ann_file, samples, [c["name"] for c in data["categories"]], novel_frequencies=("r",)
    )
    for key, freq in (("bbox_APr", "r"), ("bbox_APc", "c"), ("bbox_APf", "f")):
        ids = [c["id"] for c in data["categories"] if c["frequency"] == freq]
        assert metrics[key] == pytest.approx(_cocoeval(gt, samples, ids)[0], abs=1e-4)
    rare = [c["id"] for c in data["categories"] if c["frequency"] == "r"]
    assert metrics["novel_bbox_mAP"] == pytest.approx(_cocoeval(gt, samples, rare)[0], abs=1e-4)
