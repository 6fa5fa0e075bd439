"""tools/train.py's and tools/test.py's path: Runner trains GroupViT on captions, then tests on masks."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.runner import Runner

from clipx.apis import init_model, read_config
from clipx.checkpoint import allow_mmengine_checkpoints
from clipx.shapes_world import ShapesWorldConfig, write_image_text, write_segmentation
from clipx.testing import shrink_options

CONFIGS = sorted((Path(__file__).parents[1] / "configs").glob("groupvit_*shapes-world*.py"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("groupvit_world")
    cfg = ShapesWorldConfig(seed=1)
    write_image_text(root / "image_text", 8, cfg, progress=False)
    write_segmentation(root / "segmentation", cfg, num_train=2, num_val=4, progress=False)
    return root


def small(path: Path, root: Path, work_dir: Path):
    cfg = read_config(path, cfg_options=shrink_options(path))
    cfg.work_dir, cfg.log_level = str(work_dir), "WARNING"
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.train_dataloader.update(batch_size=4, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.ann_file = str(root / "image_text" / "train.csv")
    for key in ("val_dataloader", "test_dataloader"):
        cfg[key].update(batch_size=2)
        cfg[key].dataset.data_root = str(root / "segmentation")
    return cfg


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_trains_on_captions_then_segments_the_val_masks(path, world, tmp_path):
    cfg = small(path, world, tmp_path / "work")
    allow_mmengine_checkpoints()  # as tools/train.py does, so the checkpoint loads safely
    runner = Runner.from_cfg(cfg)
    before = runner.model.image_tower.pos_embed.detach().clone()
    runner.train()
    assert not torch.equal(before, runner.model.image_tower.pos_embed)
    metrics = runner.test()
    assert {"mIoU", "aAcc", "mIoU_base", "mIoU_novel", "chance_mIoU_novel"} <= set(metrics)
    checkpoint = tmp_path / "work" / "iter_2.pth"
    assert checkpoint.is_file()
    reloaded = init_model(cfg, checkpoint)
    torch.testing.assert_close(reloaded.image_tower.pos_embed, runner.model.image_tower.pos_embed)
