"""The configs parse; Runner.train() and Runner.test() run ActionCLIP end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from clipx.apis import read_config
from clipx.evaluation.zeroshot import zero_shot_accuracy
from clipx.testing import shrink_options
from projects.actionclip.actionclip import ActionCLIP

CONFIGS = sorted((Path(__file__).parents[1] / "configs").glob("*.py"))
DIRECTIONS = ("left", "right", "up", "down")


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_parses_and_builds_from_the_project(path):
    cfg = Config.fromfile(path)
    assert cfg.get("default_scope") == "clipx"
    assert cfg.custom_imports["imports"] == ["projects.actionclip.actionclip"]
    assert cfg.model["type"] is ActionCLIP
    assert cfg.test_dataloader["dataset"]["classes"] == DIRECTIONS


SEQTRANSF = next(p for p in CONFIGS if p.name.startswith("actionclip_seqtransf"))


def on_clips(path: Path, root: Path, clips_json: Path, work_dir: Path) -> Config:
    """A shipped config, shrunk to the tiny CLIP, on the generated clips: 2 iterations of 4 clips."""
    cfg = read_config(path, cfg_options=shrink_options(path))
    cfg.work_dir, cfg.log_level = str(work_dir), "WARNING"
    cfg.train_cfg.update(max_iters=2, val_interval=100)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
        loader.dataset.update(ann_file=str(clips_json), video_root=str(root / "videos"), num_frames=4)
    return cfg


@pytest.mark.filterwarnings("ignore:.*context of 16 tokens")
def test_runner_trains_then_scores_like_classify(clip_set, tmp_path):
    root, written = clip_set
    cfg = on_clips(SEQTRANSF, root, written["clips"], tmp_path / "work")
    runner = Runner.from_cfg(cfg)
    model: ActionCLIP = runner.model
    before = model.aggregator.frame_position.detach().clone()
    runner.train()
    assert not torch.equal(before, model.aggregator.frame_position)
    metrics = runner.test()
    assert metrics["action/chance_top1"] == 25.0 and metrics["action/num_clips"] == 8
    assert metrics["action/majority_top1"] == 25.0  # two groups, each in all four directions

    data = runner.test_dataloader.dataset
    clips = torch.stack([data[i]["inputs"] for i in range(len(data))])
    with torch.no_grad():
        logits = model.eval().classify(clips, DIRECTIONS)
    by_hand = zero_shot_accuracy(logits, torch.tensor(data.labels), topk=(1,))
    assert metrics["action/top1"] == pytest.approx(by_hand.topk[1])
    assert metrics["action/mean_per_class"] == pytest.approx(by_hand.mean_per_class)
    assert {f"action/acc_{d}" for d in DIRECTIONS} <= set(metrics)
