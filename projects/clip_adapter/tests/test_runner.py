"""The configs parse; Runner.train()/test() run CLIP-Adapter and Tip-Adapter end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from clipx.apis import read_config
from clipx.evaluation import ZeroShotClassifierModel
from clipx.registry import find_defining_modules
from clipx.testing import shrink_options
from projects.clip_adapter.clip_adapter import (
    CLIPAdapterClassifier,
    FewShotImageFolder,
    TipAdapterCacheHook,
)

CONFIGS = sorted((Path(__file__).parents[1] / "configs").glob("*.py"))


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


def config(prefix: str) -> Path:
    return next(p for p in CONFIGS if p.name.startswith(prefix))


def on_fewshot(path: Path, root: Path, work_dir: Path, options: dict | None = None) -> Config:
    """A shipped config, shrunk to the tiny CLIP, on the tiny few-shot set: 3 iterations of 4 images."""
    cfg = read_config(path, cfg_options=shrink_options(path) | (options or {}))
    cfg.work_dir, cfg.log_level = str(work_dir), "WARNING"
    for name in ("train_dataloader", "val_dataloader", "test_dataloader"):
        if cfg.get(name) is not None:
            cfg[name].update(batch_size=4, num_workers=0, persistent_workers=False)
            cfg[name].dataset.root = str(root / ("train" if name == "train_dataloader" else "test"))
    for hook in cfg.get("custom_hooks", []):
        hook.dataset.root = str(root / "train")
    if cfg.get("train_cfg") is not None:
        cfg.train_cfg.update(max_iters=3, val_interval=3)
        cfg.default_hooks.checkpoint.interval = 3
    return cfg


def test_runner_trains_the_adapter_then_tests(fewshot_root, tmp_path):
    path = config("clip-adapter_rn-tiny-64_1xb32-1000it_shapes-world-fewshot-1shot")
    runner = Runner.from_cfg(on_fewshot(path, fewshot_root, tmp_path / "work"))
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
    path = config("tip-adapter_rn-tiny-64_shapes-world-fewshot-4shot")
    runner = Runner.from_cfg(on_fewshot(path, fewshot_root, tmp_path / "work"))
    runner.test()
    cache = runner.model.cache
    assert cache.keys.shape == (16, runner.model.clip.embed_dim)  # 4 shots of 4 classes
    assert cache.class_names == ("pink circle", "pink heart", "red circle", "red heart")
    assert torch.bincount(cache.labels).tolist() == [4, 4, 4, 4]


def test_tip_adapter_hook_refuses_a_model_without_cache(fewshot_root, tmp_path):
    path = config("tip-adapter_rn-tiny-64_shapes-world-fewshot-4shot")
    cfg = on_fewshot(path, fewshot_root, tmp_path / "work", {"model.cache": None})
    with pytest.raises(TypeError, match="CLIPAdapterClassifier without a cache"):
        Runner.from_cfg(cfg).test()


def test_a_config_without_the_import_learns_which_module_registers_the_head():
    assert find_defining_modules("CLIPAdapterClassifier") == (
        "projects.clip_adapter.clip_adapter.model",
    )
    assert find_defining_modules("TipAdapterCacheHook") == (
        "projects.clip_adapter.clip_adapter.hooks",
    )
