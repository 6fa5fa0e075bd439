"""OpenVocabIoUMetric reports mmseg IoUMetric's numbers, plus base/novel splits and chance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("mmseg")
from mmseg.evaluation.metrics import IoUMetric  # noqa: E402

from clipx.seg import OpenVocabIoUMetric, chance_iou  # noqa: E402

pytestmark = pytest.mark.mm

CLASSES = ("background", "circle", "square", "star")


def _predictions(num: int = 6, size: int = 32, seed: int = 0) -> list[dict]:
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(num):
        gt = torch.randint(0, len(CLASSES), (1, size, size), generator=gen)
        gt[:, :4] = 255
        pred = torch.where(
            torch.rand(1, size, size, generator=gen) < 0.6,
            gt,
            torch.randint(0, 4, gt.shape, generator=gen),
        )
        pred[pred == 255] = 0
        samples.append(dict(pred_sem_seg=dict(data=pred), gt_sem_seg=dict(data=gt)))
    return samples


def _evaluate(metric, samples):
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_miou_equals_mmseg_ioumetric_on_the_same_predictions():
    samples = _predictions()
    ours = _evaluate(OpenVocabIoUMetric(novel_classes=["star"]), samples)
    theirs = _evaluate(IoUMetric(), samples)
    for key in ("aAcc", "mIoU", "mAcc"):
        assert ours[key] == theirs[key]


def _pairs(samples):
    return [(s["pred_sem_seg"]["data"].numpy(), s["gt_sem_seg"]["data"].numpy()) for s in samples]


@pytest.mark.parametrize("case", ["random", "a class only predicted", "a class nowhere"])
def test_numbers_equal_an_independent_confusion_matrix(case, reference_iou):
    samples = _predictions(seed=2)
    for s in samples:
        gt, pred = s["gt_sem_seg"]["data"], s["pred_sem_seg"]["data"]
        if case != "random":  # no ground-truth star ...
            gt[gt == 3] = 255
        if case == "a class nowhere":  # ... and no predicted one
            pred[pred == 3] = 0
    ours = _evaluate(OpenVocabIoUMetric(novel_classes=["square", "star"]), samples)
    expected = reference_iou(_pairs(samples), CLASSES, novel=["square", "star"])
    assert set(expected) <= set(ours)
    for key, value in expected.items():
        assert ours[key] == pytest.approx(value, abs=0.006), key


def test_base_and_novel_are_means_over_the_per_class_ious():
    samples = _predictions(seed=1)
    per_class = []
    for c in range(len(CLASSES)):
        inter = union = 0
        for s in samples:
            gt, pred = s["gt_sem_seg"]["data"], s["pred_sem_seg"]["data"]
            valid = gt != 255
            inter += int(((pred == c) & (gt == c) & valid).sum())
            union += int((((pred == c) | (gt == c)) & valid).sum())
        per_class.append(inter / union)
    ours = _evaluate(OpenVocabIoUMetric(novel_classes=["circle", "star"]), samples)
    assert ours["mIoU_novel"] == pytest.approx(
        100 * np.mean([per_class[1], per_class[3]]), abs=0.006
    )
    assert ours["mIoU_base"] == pytest.approx(
        100 * np.mean([per_class[0], per_class[2]]), abs=0.006
    )
    b, n = ours["mIoU_base"], ours["mIoU_novel"]
    assert ours["hIoU"] == pytest.approx(2 * b * n / (b + n), abs=0.01)


def test_chance_level_matches_uniform_random_predictions():
    label_area = np.array([5000.0, 1000.0, 300.0])
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), label_area.astype(int))
    guesses = rng.integers(0, 3, (200, labels.size))
    inter = np.stack([((guesses == c) & (labels == c)).sum(1) for c in range(3)], 1)
    union = np.stack([((guesses == c) | (labels == c)).sum(1) for c in range(3)], 1)
    np.testing.assert_allclose(chance_iou(label_area), (inter / union).mean(0), rtol=0.02)


def test_unknown_novel_class_is_named():
    with pytest.raises(ValueError, match="not among the dataset's classes"):
        _evaluate(OpenVocabIoUMetric(novel_classes=["hexagon"]), _predictions(num=1))
