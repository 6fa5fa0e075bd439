"""Phrase-grounding recall: clipx's per-kind metric equals mmdet's Flickr30kMetric on the same predictions."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("mmdet")

from mmdet.evaluation import Flickr30kMetric  # noqa: E402

from clipx.det import GroundingRecallMetric  # noqa: E402

KINDS = [["base", "attribute"], ["novel", "shape_only"], ["base", "attribute", "same_shape"]]


def _samples(seed: int, images: int = 12) -> list[dict]:
    """Images with three phrases each (one or two boxes per phrase) and noisy ranked predictions."""
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(images):
        gt, phrase_ids = [], []
        for phrase in range(3):
            for _ in range(1 + int(torch.randint(0, 2, (1,), generator=gen))):
                xy = torch.rand(2, generator=gen) * 40
                gt.append(torch.cat([xy, xy + 8 + torch.rand(2, generator=gen) * 16]))
                phrase_ids.append(phrase)
        gt = torch.stack(gt)
        # predictions: jittered copies of the boxes (some far off), random labels, ranked by score
        picks = torch.randint(0, len(gt), (10,), generator=gen)
        jitter = torch.randn(10, 4, generator=gen) * torch.where(
            torch.rand(10, 1, generator=gen) < 0.5, 1.5, 12.0
        )
        boxes = gt[picks] + jitter
        boxes[:, 2:] = torch.maximum(boxes[:, 2:], boxes[:, :2] + 1)
        labels = torch.where(
            torch.rand(10, generator=gen) < 0.7,
            torch.tensor(phrase_ids)[picks],
            torch.randint(0, 3, (10,), generator=gen),
        )
        samples.append(
            dict(
                pred_instances=dict(bboxes=boxes, labels=labels, scores=torch.linspace(1, 0.1, 10)),
                gt_instances=dict(bboxes=gt),
                phrase_ids=phrase_ids,
                phrases=["a red circle", "a star", "a blue circle"],
                phrase_types=KINDS,
                chance=[1.0, 1.0, 0.5],
            )
        )
    return samples


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recall_equals_mmdets_flickr30k_metric(seed):
    samples = _samples(seed)
    ours, theirs = GroundingRecallMetric(topk=(1, 5, 10, -1)), Flickr30kMetric(topk=(1, 5, 10, -1))
    ours.process({}, samples)
    theirs.process({}, samples)
    mine = ours.compute_metrics(ours.results)
    reference = theirs.compute_metrics(theirs.results)
    for k, name in ((1, "1"), (5, "5"), (10, "10"), (-1, "any")):
        assert mine[f"R@{name}"] == pytest.approx(100 * reference[str(k)]["all"])
    assert (
        0 < mine["R@1"] < mine["R@any"] <= 100
    )  # the predictions are neither all right nor all wrong


def test_recall_per_kind_counts_only_its_phrases():
    samples = _samples(0)
    metric = GroundingRecallMetric(topk=(1,))
    metric.process({}, samples)
    result = metric.compute_metrics(metric.results)
    hits = [h[1] for r in metric.results for h in metric.phrase_hits(r)]
    same_shape = hits[2::3]  # the third phrase of every image is the same-shape one
    assert result["R@1_same_shape"] == pytest.approx(100 * sum(same_shape) / len(same_shape))
    assert result["phrases_same_shape"] == len(same_shape) and result["phrases"] == len(hits)
    assert result["chance_R@1_same_shape"] == pytest.approx(50.0)
    novel = hits[1::3]
    assert result["R@1_novel"] == pytest.approx(100 * sum(novel) / len(novel))


def test_a_phrase_without_predictions_is_missed():
    sample = _samples(0, images=1)[0]
    sample["pred_instances"]["labels"] = torch.zeros(10, dtype=torch.long)  # every box for phrase 0
    metric = GroundingRecallMetric(topk=(-1,))
    metric.process({}, [sample])
    hits = metric.phrase_hits(metric.results[0])
    assert hits[1][-1] is False and hits[2][-1] is False
