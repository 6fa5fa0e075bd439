"""The background sweep: mmseg's IoU per threshold, the oracle's background exact, settings restored."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from clipx.apis import init_model
from clipx.seg import OpenVocabIoUMetric
from clipx.testing import fake_seg_batch, shrink_options
from projects.groupvit.groupvit import BackgroundSetting, settings_of, sweep_background

CONFIG = next((Path(__file__).parents[1] / "configs").glob("groupvit_gs16-4_rn-tiny-64-text_*.py"))


def test_thresholds_and_the_oracle_background():
    torch.manual_seed(0)
    model = init_model(CONFIG, cfg_options=shrink_options(CONFIG))
    names = list(model.vocabulary.names)
    batches = [fake_seg_batch(2, 64, len(names), seed=s) for s in range(2)]
    settings = settings_of([0.0, 1.01], ["probability"])
    assert settings[-1] == BackgroundSetting(None) and settings[-1].label() == "oracle background"
    evaluator = dict(
        type=OpenVocabIoUMetric, iou_metrics=["mIoU"], novel_classes=["star", "hexagon"]
    )
    rows = sweep_background(model, batches, evaluator, {"classes": names}, settings, progress=False)
    assert [r["setting"] for r in rows] == [
        "probability < 0",
        "probability < 1.01",
        "oracle background",
    ]
    gt = torch.cat([s.gt_sem_seg.data.flatten() for b in batches for s in b["data_samples"]])
    labelled = gt[gt != 255]
    share = 100 * (labelled == 0).float().mean().item()
    assert rows[0]["IoU.background"] == 0.0  # nothing is background
    assert rows[1]["IoU.background"] == pytest.approx(share, abs=0.01)  # everything is
    assert rows[2]["IoU.background"] == 100.0
    assert (model.bg_threshold, model.background_by, model.oracle_background) == (
        0.32,
        "similarity",
        False,
    )
