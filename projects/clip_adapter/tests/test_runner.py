"""The configs parse; Runner.train()/test() run CLIP-Adapter and Tip-Adapter end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import BaseMetric
from mmengine.runner import Runner

from clipx.apis import read_config
from clipx.evaluation import ZeroShotClassifierModel, class_logits
from clipx.registry import METRICS, find_defining_modules
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
    """A shipped config, shrunk to a tiny CLIP, on the tiny few-shot set: 3 iterations of 4 images."""
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
    cfg.test_evaluator = [cfg.test_evaluator, dict(type="ClipxTestKeepLogits")]
    return cfg


@METRICS.register_module(name="ClipxTestKeepLogits", force=True)
class KeepLogits(BaseMetric):
    """Keeps the logits the model gave each test image, by ``img_id``."""

    default_prefix = "kept"

    def __init__(self):
        super().__init__()
        self.logits = {}

    def process(self, data_batch, data_samples):
        self.results.extend((int(s["img_id"]), s["pred_logits"].cpu()) for s in data_samples)

    def compute_metrics(self, results):
        self.logits = dict(results)
        return {"images": len(self.logits)}


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
    assert (tmp_path / "work" / "iter_3.pth").is_file()
    # the test scored every image with the trained adapter
    queries, labels, names = _embed_split(model.clip, fewshot_root, "test")
    with torch.no_grad():
        expected = class_logits(
            model.adapter(queries), model.class_embeds(names), model.clip.logit_scale
        )
    (kept,) = [m for m in runner.test_evaluator.metrics if isinstance(m, KeepLogits)]
    got = torch.stack([kept.logits[i] for i in range(len(labels))])
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    top1 = 100.0 * (expected.argmax(dim=1) == labels).float().mean().item()
    assert metrics["fewshot/top1"] == pytest.approx(top1)


def test_tip_adapter_hook_fills_the_cache_before_testing(fewshot_root, tmp_path):
    path = config("tip-adapter_rn-tiny-64_shapes-world-fewshot-4shot")
    runner = Runner.from_cfg(on_fewshot(path, fewshot_root, tmp_path / "work"))
    metrics = runner.test()
    cache = runner.model.cache
    assert cache.keys.shape == (16, runner.model.clip.embed_dim)
    assert cache.class_names == ("pink circle", "pink heart", "red circle", "red heart")
    assert torch.bincount(cache.labels).tolist() == [4, 4, 4, 4]
    # the test images were scored with the filled cache: Tip-Adapter's logits worked out by hand
    expected, labels = tip_adapter_logits_by_hand(
        runner.model, fewshot_root, alpha=cache.alpha, beta=cache.beta
    )
    (kept,) = [m for m in runner.test_evaluator.metrics if isinstance(m, KeepLogits)]
    got = torch.stack([kept.logits[i] for i in range(len(labels))])
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    top1 = 100.0 * (expected.argmax(dim=1) == labels).float().mean().item()
    assert metrics["fewshot/top1"] == pytest.approx(top1)


def _embed_split(clip, root: Path, name: str):
    dataset = FewShotImageFolder(
        root=root / name, classes_file="../classes.txt", transform=clip.image_transform()
    )
    items = [dataset[i] for i in range(len(dataset))]
    images = torch.stack([item["inputs"] for item in items])
    labels = torch.tensor([int(item["data_samples"].gt_label) for item in items])
    return clip.encode_image(images), labels, dataset.metainfo["classes"]


def tip_adapter_logits_by_hand(model, root: Path, *, alpha: float, beta: float):
    """(N, C) logits of the test split, CLIP's plus ``alpha * exp(-beta (1 - cos)) @ one_hot``
    over the train split, and the (N,) labels."""
    keys, key_labels, names = _embed_split(model.clip, root, "train")
    queries, labels, test_names = _embed_split(model.clip, root, "test")
    assert test_names == names
    class_embeds = model.class_embeds(names)
    logits = model.clip.logit_scale * queries @ class_embeds.T
    one_hot = torch.nn.functional.one_hot(key_labels, len(names)).float()
    cache = alpha * torch.exp(-beta * (1 - queries @ keys.T)) @ one_hot
    assert cache.std(dim=1).min() > 1e-3  # the cache term tells the classes apart
    return logits + cache, labels


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
