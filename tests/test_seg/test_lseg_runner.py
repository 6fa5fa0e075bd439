"""The shapes-world LSeg config end to end: Runner train (a few iterations) and test."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
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
    cfg.merge_from_dict(
        derived_options(cfg.model, lambda name: tiny_backbone(tiny_model_name(name)))
    )
    cfg.model.backbone.update(
        model_name=tiny_model_name(cfg.model.backbone.model_name), checkpoint=None
    )
    if "train_cfg" in cfg:  # the training-free baseline has none
        cfg.train_cfg.max_iters = 2
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        if key not in cfg:
            continue
        loader = cfg[key]
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


@pytest.mark.parametrize(
    "name", ["lseg_rn-tiny-64", "lseg-residual_rn-tiny-64", "lseg_vit-nano-cs-64"]
)
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


def _trained_classes(runner) -> set[str]:
    """The class names the training labels hold (the ignore index left out)."""
    dataset = runner.train_dataloader.dataset
    names = dataset.metainfo["classes"]
    values = {
        int(v)
        for i in range(len(dataset))
        for v in dataset[i]["data_samples"].gt_sem_seg.data.unique()
    }
    return {names[v] for v in values if v != 255}


def test_the_oracle_config_trains_on_every_class(tmp_path):
    # the supervised oracle: the same images as the open-vocabulary config, star and hexagon
    # labelled and in the training vocabulary
    root = tmp_path / "segmentation"
    write_segmentation(root, ShapesWorldConfig(seed=1), num_train=8, num_val=4, progress=False)
    allow_mmengine_checkpoints()
    classes = ["background", "circle", "square", "triangle", "star", "hexagon", "cross"]
    runs = {}
    for name in ("lseg_rn-tiny-64", "lseg-oracle_rn-tiny-64"):
        path = next(CONFIGS.glob(f"{name}_*.py"))
        runs[name] = Runner.from_cfg(_small(Config.fromfile(path), root, tmp_path / name))
    oracle, open_vocab = runs["lseg-oracle_rn-tiny-64"], runs["lseg_rn-tiny-64"]
    assert oracle.model.train_vocabulary.names == tuple(classes)
    assert "star" not in open_vocab.model.train_vocabulary.names
    assert _trained_classes(oracle) == set(classes)
    assert _trained_classes(open_vocab) == set(classes) - {"star", "hexagon"}
    oracle.train()
    assert (tmp_path / "lseg-oracle_rn-tiny-64" / "iter_2.pth").is_file()


def test_the_training_free_baseline_tests_without_a_checkpoint(tmp_path, reference_iou):
    # MaskCLIP: no head weights; tools/test.py runs it with no checkpoint, and each pixel's label
    # is the label whose prompt embedding is nearest to the backbone's own dense embedding
    root = tmp_path / "segmentation"
    write_segmentation(root, ShapesWorldConfig(seed=1), num_train=2, num_val=4, progress=False)
    cfg = _small(
        Config.fromfile(next(CONFIGS.glob("maskclip_rn-tiny-64_*.py"))), root, tmp_path / "w"
    )
    cfg.model.region_rescore = None
    cfg.test_evaluator = [cfg.test_evaluator, dict(type="mmseg.ClipxTestPixelPairs")]
    runner = Runner.from_cfg(cfg)
    model = runner.model
    assert not [p for p in model.parameters() if p.requires_grad]
    metrics = runner.test()
    (pairs,) = [m for m in runner.test_evaluator.metrics if isinstance(m, PixelPairs)]
    classes = runner.test_dataloader.dataset.metainfo["classes"]
    expected = reference_iou(pairs.pairs, classes, novel=cfg.novel_classes)
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, abs=0.006), key

    images = torch.full((2, 3, 64, 64), -2.0)  # dark left, bright right: the positions differ
    images[..., 32:] = 2.0
    dense = model.backbone.forward_dense(images).embeds
    text = model.text_embeds(model.vocabulary)
    cosine = torch.einsum("bdhw,cd->bchw", F.normalize(dense, dim=1), F.normalize(text, dim=1))
    up = F.interpolate(cosine, size=(64, 64), mode="bilinear", align_corners=False)
    metas = [dict(img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64))] * 2
    with torch.no_grad():
        logits = model.encode_decode(images, metas)
    assert (dense - dense.mean((2, 3), keepdim=True)).abs().amax() > 1e-3  # positions differ
    torch.testing.assert_close(logits, up / 0.01, atol=1e-4, rtol=1e-4)  # the config's temperature
    with pytest.raises(RuntimeError, match="nothing to train"):
        model.decode_head.loss(None, [], None, text_embeds=text)
