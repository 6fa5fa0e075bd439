"""The configs parse; Runner.train() and Runner.test() run ActionCLIP end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from clipx.evaluation.zeroshot import zero_shot_accuracy
from clipx.testing import TEST_VIT
from projects.actionclip.actionclip import ActionCLIP

CONFIGS = sorted((Path(__file__).parents[1] / "configs").glob("*.py"))
DIRECTIONS = ("left", "right", "up", "down")
# Runner.from_cfg prints plain-dict configs, so types are registry names here.
CLIP = dict(type="FrozenCLIP", model_name=TEST_VIT)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_parses_and_builds_from_the_project(path):
    cfg = Config.fromfile(path)
    assert cfg.get("default_scope") == "clipx"
    assert cfg.custom_imports["imports"] == ["projects.actionclip.actionclip"]
    assert cfg.model["type"] is ActionCLIP
    assert cfg.test_dataloader["dataset"]["classes"] == DIRECTIONS


def dataset(root, clips_json) -> dict:
    return dict(
        type="VideoClassificationDataset",
        ann_file=str(clips_json),
        video_root=str(root / "videos"),
        transform=dict(type="clip_eval_transform", clip=CLIP),
        classes=DIRECTIONS,
        label_key="direction",
        num_frames=4,
    )


def loader(ds: dict, sampler: str) -> dict:
    return dict(
        batch_size=4,
        num_workers=0,
        sampler=dict(type=sampler, shuffle=sampler == "InfiniteSampler"),
        collate_fn=dict(type="pseudo_collate"),
        dataset=ds,
    )


@pytest.mark.filterwarnings("ignore:.*context of 16 tokens")
def test_runner_trains_then_scores_like_classify(clip_set, tmp_path):
    root, written = clip_set
    ds = dataset(root, written["clips"])
    cfg = dict(
        default_scope="clipx",
        work_dir=str(tmp_path / "work"),
        model=dict(
            type="ActionCLIP",
            clip=CLIP,
            aggregator=dict(type="TemporalTransformer", num_layers=1, max_frames=4),
            templates=["a shape moving {}", "a video of a shape going {}"],
        ),
        train_dataloader=loader(ds, "InfiniteSampler"),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=2, val_interval=100),
        optim_wrapper=dict(type="OptimWrapper", optimizer=dict(type="AdamW", lr=1e-3)),
        test_dataloader=loader(ds, "DefaultSampler"),
        test_cfg=dict(type="TestLoop"),
        test_evaluator=dict(type="VideoClassAccuracy"),
        default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=100, by_epoch=False)),
        log_level="WARNING",
    )
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
