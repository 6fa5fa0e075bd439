"""The shipped shapes-world ViLD configs shrunk to a tiny CLIP, and a tiny detection set for them."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("mmdet")

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402

from clipx.apis import init_model, read_config  # noqa: E402
from clipx.shapes_world import ShapesWorldConfig, write_detection  # noqa: E402
from clipx.testing import fake_det_batch, shrink_config, shrink_options  # noqa: E402

VILD_CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "vild"
# the shapes-world variants, by the start of their config names
VILD_TEXT = "vild-text_rn-tiny-64"  # ViLD-text: the text classifier alone
VILD = "vild_rn-tiny-64"  # + ViLD-image: distillation into the same region embedding
VILD_ENSEMBLE = "vild-ensemble_rn-tiny-64"  # a separate image head, scores ensembled
VILD_2HEAD = "vild-2head_rn-tiny-64"  # both heads distilled
VILD_R18 = "vild-text_r18"  # a trainable ResNet-18 as the detector's backbone
VILD_ORACLE = "vild-text-oracle_rn-tiny-64"  # ViLD-text trained on every box: the supervised oracle
VILD_CROPS = "vild-clip-crops_rn-tiny-64"  # no classifier trained: CLIP names the RPN's crops
NOVEL = ("star", "hexagon")


def config_path(variant: str) -> Path:
    """The shipped shapes-world config of a variant."""
    (path,) = VILD_CONFIGS.glob(f"{variant}-fpn_*shapes-world*.py")
    return path


def vild_options(variant: str = VILD_TEXT, options: dict | None = None) -> dict:
    """``cfg_options`` that shrink the variant's config to clipx-RN-test-64, plus ``options``."""
    return shrink_options(config_path(variant)) | dict(options or {})


def vild_config(variant: str = VILD_TEXT, options: dict | None = None) -> Config:
    """The variant's config, shrunk, with ``options`` merged."""
    cfg = shrink_config(config_path(variant))
    cfg.merge_from_dict(dict(options or {}))
    return cfg


def build_vild(variant: str = VILD_TEXT, options: dict | None = None):
    """The variant's detector built from its shrunk config (seeded, initialised, in train mode)."""
    torch.manual_seed(0)
    model = init_model(config_path(variant), cfg_options=vild_options(variant, options))
    model.init_weights()
    return model.train()


def fake_batch(model, *, regions: int = 0, seed: int = 0) -> dict:
    """Two images with boxes of labels 0 and 2 (and ``regions`` stored regions), sized for ``model``."""
    size = model.clip.image_size[0]
    return fake_det_batch(2, size, regions=regions, embed_dim=model.clip.embed_dim, seed=seed)


IMAGE_SIZE = read_config(config_path(VILD_TEXT)).image_size  # the configs' input size
TEST_PIPELINE = list(vild_config().test_dataloader.dataset.pipeline)


@pytest.fixture(scope="session")
def det_set(tmp_path_factory):
    """12 training and 6 validation images at the configs' size: ``(root, {'det_train': json, 'det_val': json})``.

    Laid out as the configs' ``data_root`` expects (``annotations/``, ``images/train|val/``).
    """
    root = tmp_path_factory.mktemp("shapes_world_det")
    cfg = ShapesWorldConfig(image_size=IMAGE_SIZE, max_objects=3, supersample=2)
    written = write_detection(root, cfg, num_train=12, num_val=6, novel=NOVEL, progress=False)
    return root, written


def on_data(cfg: Config, root: Path, work_dir: Path, *, region_dir: Path | None = None) -> Config:
    """A shrunk config on the tiny set: 3 iterations, small batches, no worker processes."""
    cfg.work_dir = str(work_dir)
    cfg.log_level = "WARNING"
    if "train_cfg" in cfg:  # a test-only config (the training-free baseline) has no train parts
        cfg.train_cfg.max_iters = 3
        cfg.default_hooks.checkpoint.interval = 3
    cfg.test_evaluator.ann_file = str(root / "annotations" / "val.json")
    if region_dir is not None:
        cfg.region_dir = str(region_dir)
    loaders = [cfg[k] for k in ("train_dataloader", "test_dataloader") if k in cfg]
    for loader in loaders:
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = str(root)
        for step in loader.dataset.pipeline:
            if region_dir is not None and "region_dir" in step:
                step.region_dir = str(region_dir)
    return cfg
