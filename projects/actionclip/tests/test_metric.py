"""VideoClassAccuracy: accuracy with its chance levels, each clip once."""

from __future__ import annotations

import pytest
import torch

from projects.actionclip.actionclip import VideoClassAccuracy


def test_accuracy_chance_and_majority_count_each_clip_once():
    metric = VideoClassAccuracy()
    metric.dataset_meta = {"classes": ("left", "right", "up")}
    scores = {0: [3.0, 0.0, 0.0], 1: [0.0, 3.0, 0.0], 2: [0.0, 0.0, 3.0]}
    samples = [  # (video id, true label, predicted label)
        ("a", 0, 0),
        ("b", 0, 0),
        ("c", 0, 1),
        ("d", 2, 2),
        ("a", 0, 0),  # a repeat of clip "a" (a padded last batch) counts once
    ]
    metric.process(
        {},
        [
            {"img_id": v, "gt_label": y, "pred_logits": torch.tensor(scores[p])}
            for v, y, p in samples
        ],
    )
    out = metric.compute_metrics(metric.results)
    assert out["top1"] == pytest.approx(75.0) and out["num_clips"] == 4
    assert out["chance_top1"] == pytest.approx(100 / 3)
    assert out["majority_top1"] == pytest.approx(75.0)  # three of the four clips are "left"
    assert out["acc_left"] == pytest.approx(100 * 2 / 3) and out["acc_up"] == 100.0
    assert "acc_right" not in out  # no clip of that class
    assert out["mean_per_class"] == pytest.approx((200 / 3 + 100) / 2)
