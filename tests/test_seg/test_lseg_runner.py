"""The shapes-world LSeg config end to end: Runner train (a few iterations) and test."""

from __future__ import annotations

from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.evaluator import BaseMetric
from mmengine.runner import Runner

from clipx.checkpoint import allow_mmengine_checkpoints
from clipx.shapes_world import ShapesWorldConfig, write_segmentation
from clipx.testing import derived_options, tiny_backbone, tiny_model_name

pytest.importorskip("mmseg")  # the config imports clipx.seg
from mmseg.registry import METRICS  # noqa: E402

pytestmark = [pytest.mark.mm, pytest.mark.slow]

CONFIGS = Path(__file__).parents[2] / "configs" / "lseg"


def _small(cfg: Config, root: Path, work_dir: Path) -> Config:
    """The config on tiny data with the random test tower of its kind, two iterations."""
    cfg.work_dir = str(work_dir)
    cfg.log_level = "WARNING"
    # the blocks the tiny tower has (and the head's scales for them), then the tower itself
    cfg.merge_from_dict(derived_options(cfg.model, lambda name: tiny_backbone(tiny_model_name(name))))
    cfg.model.backbone.update(model_name=tiny_model_name(cfg.model.backbone.model_name), checkpoint=None)
    cfg.train_cfg.max_iters = 2
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = str(root)
    return cfg


@METRICS.register_module(name="ClipxTestPixelPairs", force=True)
class PixelPairs(BaseMetric):
    """Keeps each test image's (prediction, label) pair for the test to score on its own."""

    default_prefix = "pairs"

    def __init__(self):
        super().__init__()
        self.pairs = []

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            pred = sample["pred_sem_seg"]["data"].squeeze().cpu().numpy()
            gt = sample["gt_sem_seg"]["data"].squeeze().cpu().numpy()
            self.results.append((pred, gt))

    def compute_metrics(self, results):
        self.pairs = list(results)
        return {"images": len(results)}


@pytest.mark.parametrize("name", ["lseg_rn-tiny-64", "lseg-residual_rn-tiny-64", "lseg_vit-nano-cs-64"])
def test_shapes_world_config_trains_and_tests(name, tmp_path, reference_iou):
    root = tmp_path / "segmentation"
    write_segmentation(root, ShapesWorldConfig(seed=1), num_train=8, num_val=4, progress=False)
    path = next(CONFIGS.glob(f"{name}_*.py"))
    allow_mmengine_checkpoints()
    runner = Runner.from_cfg(_small(Config.fromfile(path), root, tmp_path / "work"))
    runner.train()
    checkpoint = tmp_path / "work" / "iter_2.pth"
    assert checkpoint.is_file()

    cfg = _small(Config.fromfile(path), root, tmp_path / "work_test")
    cfg.load_from = str(checkpoint)
    # clipx's metric beside mmseg's IoUMetric (same keys and numbers) and beside the
    # runner's own predictions scored by an independent confusion matrix
    cfg.test_evaluator = [
        cfg.test_evaluator,
        dict(type="mmseg.IoUMetric", iou_metrics=["mIoU"], prefix="mmseg"),
        dict(type="mmseg.ClipxTestPixelPairs"),
    ]
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert metrics["mIoU"] == metrics["mmseg/mIoU"] and metrics["aAcc"] == metrics["mmseg/aAcc"]
    (pairs,) = [m for m in runner.test_evaluator.metrics if isinstance(m, PixelPairs)]
    assert metrics["pairs/images"] == len(pairs.pairs) == 4
    classes = runner.test_dataloader.dataset.metainfo["classes"]
    expected = reference_iou(pairs.pairs, classes, novel=cfg.novel_classes)
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, abs=0.006), key
