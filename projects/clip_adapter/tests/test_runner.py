"""The configs parse; Runner.train()/test() run CLIP-Adapter and Tip-Adapter end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from clipx.evaluation import ZeroShotClassifierModel
from clipx.registry import find_defining_modules
from clipx.testing import TEST_VIT
from projects.clip_adapter.clip_adapter import (
    CLIPAdapterClassifier,
    FewShotImageFolder,
    TipAdapterCacheHook,
)

CONFIGS = sorted((Path(__file__).parents[1] / "configs").glob("*.py"))
# Runner.from_cfg prints plain-dict configs, so types are registry names here.
CLIP = dict(type="FrozenCLIP", model_name=TEST_VIT)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_parses_and_names_the_project(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == "clipx"
    assert cfg.custom_imports["imports"] == ["projects.clip_adapter.clip_adapter"]
    assert cfg.test_dataloader["dataset"]["root"] == "data/shapes_world_fewshot/test"
    shots = re.search(r"-(\d+)shot\.py$", path.name)
    shots = int(shots[1]) if shots else None
    if path.name.startswith("zeroshot"):
        assert cfg.model["type"] is ZeroShotClassifierModel
    elif path.name.startswith("clip-adapter"):
        assert cfg.model["type"] is CLIPAdapterClassifier and "cache" not in cfg.model
        assert cfg.train_dataloader["dataset"]["type"] is FewShotImageFolder
        assert cfg.train_dataloader["dataset"]["shots"] == shots
        assert cfg.train_dataloader["dataset"]["root"] == "data/shapes_world_fewshot/train"
    else:
        assert cfg.model["type"] is CLIPAdapterClassifier and "adapter" not in cfg.model
        (hook,) = cfg.custom_hooks
        assert hook["type"] is TipAdapterCacheHook and hook["dataset"]["shots"] == shots


def split(root: Path, name: str, **kwargs) -> dict:
    return dict(
        type="FewShotImageFolder",
        root=str(root / name),
        classes_file="../classes.txt",
        transform=dict(type="clip_eval_transform", clip=CLIP),
        **kwargs,
    )


def loader(dataset: dict, sampler: str) -> dict:
    return dict(
        batch_size=4,
        num_workers=0,
        sampler=dict(type=sampler, shuffle=sampler == "InfiniteSampler"),
        dataset=dataset,
    )


def run_cfg(root: Path, work_dir: Path, model: dict, **extra) -> dict:
    return dict(
        default_scope="clipx",
        work_dir=str(work_dir),
        model=dict(type="CLIPAdapterClassifier", clip=CLIP, templates="name", **model),
        test_dataloader=loader(split(root, "test"), "DefaultSampler"),
        test_cfg=dict(type="TestLoop"),
        test_evaluator=dict(type="ZeroShotAccuracy", topk=(1,), prefix="fewshot"),
        log_level="WARNING",
        **extra,
    )


def test_runner_trains_the_adapter_then_tests(fewshot_root, tmp_path):
    train_set = split(fewshot_root, "train", shots=2, seed=0)
    train_set["transform"] = dict(type="clip_flip_train_transform", clip=CLIP)
    cfg = run_cfg(
        fewshot_root,
        tmp_path / "work",
        dict(adapter=dict(type="ResidualAdapter", ratio=0.6)),
        train_dataloader=loader(train_set, "InfiniteSampler"),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=3, val_interval=3),
        val_dataloader=loader(split(fewshot_root, "test"), "DefaultSampler"),
        val_cfg=dict(type="ValLoop"),
        val_evaluator=dict(type="ZeroShotAccuracy", topk=(1,), prefix="fewshot"),
        optim_wrapper=dict(type="OptimWrapper", optimizer=dict(type="AdamW", lr=1e-2)),
        default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=3, by_epoch=False)),
    )
    runner = Runner.from_cfg(cfg)
    model: CLIPAdapterClassifier = runner.model
    before = model.adapter.fc[0].weight.detach().clone()
    clip_before = next(model.clip.parameters()).detach().clone()
    runner.train()
    assert not torch.equal(before, model.adapter.fc[0].weight)
    assert torch.equal(clip_before, next(model.clip.parameters()))
    metrics = runner.test()
    assert 0.0 <= metrics["fewshot/top1"] <= 100.0
    assert (tmp_path / "work" / "iter_3.pth").is_file()


def test_tip_adapter_hook_fills_the_cache_before_testing(fewshot_root, tmp_path):
    cfg = run_cfg(
        fewshot_root,
        tmp_path / "work",
        dict(cache=dict(type="TipAdapterCache", alpha=50.0, beta=50.0)),
        custom_hooks=[dict(type="TipAdapterCacheHook", dataset=split(fewshot_root, "train"))],
    )
    runner = Runner.from_cfg(cfg)
    runner.test()
    cache = runner.model.cache
    assert cache.keys.shape == (16, 32)
    assert cache.class_names == ("pink circle", "pink heart", "red circle", "red heart")
    assert torch.bincount(cache.labels).tolist() == [4, 4, 4, 4]


def test_tip_adapter_hook_refuses_a_model_without_cache(fewshot_root, tmp_path):
    cfg = run_cfg(
        fewshot_root,
        tmp_path / "work",
        {},
        custom_hooks=[dict(type="TipAdapterCacheHook", dataset=split(fewshot_root, "train"))],
    )
    with pytest.raises(TypeError, match="CLIPAdapterClassifier without a cache"):
        Runner.from_cfg(cfg).test()


def test_a_config_without_the_import_learns_which_module_registers_the_head():
    assert find_defining_modules("CLIPAdapterClassifier") == (
        "projects.clip_adapter.clip_adapter.model",
    )
    assert find_defining_modules("TipAdapterCacheHook") == (
        "projects.clip_adapter.clip_adapter.hooks",
    )
