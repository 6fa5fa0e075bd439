"""The background sweep: mmseg's IoU per threshold, the oracle's background exact, settings restored."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from clipx.apis import init_model
from clipx.seg import OpenVocabIoUMetric
from clipx.testing import fake_seg_batch, shrink_options
from projects.groupvit.groupvit import (
    BackgroundSetting,
    grouping_quality,
    settings_of,
    sweep_background,
)

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


def test_grouping_quality_names_each_group_by_its_majority():
    torch.manual_seed(0)
    model = init_model(CONFIG, cfg_options=shrink_options(CONFIG))
    k = len(model.vocabulary.names)
    batches = [fake_seg_batch(2, 64, k, seed=s) for s in range(2)]
    truth = [s.gt_sem_seg.data[0].long() for b in batches for s in b["data_samples"]]
    # the model's own groups against a loop written from the definition
    maps = []
    for batch in batches:
        data = model.data_preprocessor(batch, False)
        with torch.no_grad():
            maps += list(
                model.group_map(model.image_tower(data["inputs"]), (64, 64), data["inputs"])
            )
    inter, union, pure, used = torch.zeros(k), torch.zeros(k), 0, 0
    for group_of, gt in zip(maps, truth, strict=True):
        valid = gt != 255
        named = torch.empty_like(gt)
        for g in group_of[valid].unique().tolist():
            named[group_of == g] = torch.mode(gt[(group_of == g) & valid]).values
            used += 1
        pure += int((named[valid] == gt[valid]).sum())
        for c in range(k):
            p, t = (named == c) & valid, (gt == c) & valid
            inter[c] += (p & t).sum()
            union[c] += (p | t).sum()
    quality = grouping_quality(model, batches, k)
    labelled = sum(int((gt != 255).sum()) for gt in truth)
    assert quality["groups_per_image"] == pytest.approx(used / len(truth))
    assert quality["purity"] == pytest.approx(100 * pure / labelled)
    iou = 100 * inter / union
    assert quality["group_oracle_mIoU"] == pytest.approx(iou[union > 0].mean().item(), abs=1e-4)
    # groups that are the ground truth's classes: perfect; one group per image: the background's
    model.group_map = lambda output, size, images=None: torch.stack(truth[:2]).clamp(max=k - 1)
    exact = grouping_quality(model, batches[:1], k)
    assert exact["purity"] == 100.0 and exact["foreground_swallowed"] == 0.0
    model.group_map = lambda output, size, images=None: torch.zeros(2, *size, dtype=torch.long)
    one = grouping_quality(model, batches[:1], k)
    assert one["groups_per_image"] == 1.0
