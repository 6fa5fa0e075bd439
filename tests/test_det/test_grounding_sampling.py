"""CLIPRandomSamplingNegPos: a detection line's prompt names each present category once, with its boxes."""

from __future__ import annotations

import random

import numpy as np
import pytest

pytest.importorskip("mmdet")

from clipx.det import CLIPRandomSamplingNegPos  # noqa: E402
from clipx.testing import TEST_RN  # noqa: E402

NAMES = {"0": "circle", "1": "square", "2": "triangle", "3": "cross"}


def sample(labels, ignore=None):
    boxes = np.array([[i, i, i + 4.0, i + 4.0] for i in range(len(labels))], dtype=np.float32)
    results = dict(gt_bboxes=boxes, gt_bboxes_labels=np.array(labels), text=dict(NAMES))
    if ignore is not None:
        results["gt_ignore_flags"] = np.array(ignore, dtype=bool)
    return results


@pytest.mark.parametrize("seed", range(20))
def test_present_names_appear_once_and_own_their_boxes(seed):
    random.seed(seed)
    np.random.seed(seed)
    transform = CLIPRandomSamplingNegPos(model_name=TEST_RN, max_tokens=64)
    labels = [0, 0, 2]
    out = transform.od_aug(sample(labels))
    entities = [e for e in out["text"].split(". ") if e]
    assert len(entities) == len(set(entities)), f"a name twice in {out['text']!r}"
    assert {"circle", "triangle"} <= set(entities)
    for box_label, truth in zip(out["gt_bboxes_labels"], labels, strict=True):
        ((start, end),) = out["tokens_positive"][int(box_label)]
        assert out["text"][start:end] == NAMES[str(truth)]
    assert set(out["tokens_positive"]) == {int(x) for x in out["gt_bboxes_labels"]}


def test_a_tight_budget_drops_boxes_with_their_ignore_flags():
    random.seed(0)
    transform = CLIPRandomSamplingNegPos(model_name=TEST_RN, max_tokens=4)  # room for one name
    out = transform.od_aug(sample([0, 1, 1], ignore=[False, False, True]))
    assert len(out["gt_bboxes"]) == len(out["gt_bboxes_labels"]) == len(out["gt_ignore_flags"])
    assert len(out["gt_bboxes"]) in (1, 2) and out["text"].count(". ") == 1
