"""The real-data configs run: two iterations on fake CC3M (TSV, shards) and one evaluation on fake
PASCAL VOC, PASCAL Context and COCO-Object, each in its real layout (tiny backbone and tower)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mmengine.runner import Runner
from PIL import Image

from clipx.apis import read_config
from clipx.testing import shrink_options
from clipx.testing.seg_layouts import (
    write_caption_shards,
    write_caption_tsv,
    write_coco_instances,
    write_pascal_context,
    write_voc,
)
from projects.groupvit.groupvit import COCO_THINGS, convert_coco_object

CONFIGS = Path(__file__).parents[1] / "configs"
TINY_TOWER = {
    "model.image_tower.width": 32,
    "model.image_tower.heads": 2,
    "model.image_tower.depths": (1, 1, 1),
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("groupvit_real")
    write_voc(root)
    write_pascal_context(root)
    write_caption_tsv(root / "cc3m")
    write_caption_shards(root / "cc3m")
    convert_coco_object(
        write_coco_instances(root / "coco"), root / "coco" / "annotations" / "object_val2017"
    )
    return root


def config(name: str, root: Path, work_dir: Path):
    path = CONFIGS / name
    cfg = read_config(path, cfg_options={**shrink_options(path), **TINY_TOWER})
    cfg.work_dir, cfg.log_level = str(work_dir), "WARNING"
    for key in ("val_dataloader", "test_dataloader"):
        if key in cfg:
            dataset = cfg[key].dataset
            dataset.data_root = str(root / dataset.data_root.removeprefix("data/"))
            cfg[key].update(num_workers=0, persistent_workers=False)
    return cfg


@pytest.mark.parametrize("source", ["tsv", "wds"])
def test_training_configs_take_two_steps_and_validate_on_voc(source, data, tmp_path):
    cfg = config(
        f"groupvit_gs64-8_vit-b32-openai-text_8xb512-30ep_cc3m-{source}.py", data, tmp_path
    )
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.param_scheduler[0].update(end=1)
    cfg.param_scheduler[1].update(begin=1, end=2)
    cfg.optim_wrapper.type = "OptimWrapper"  # bf16 AMP is CUDA's
    cfg.optim_wrapper.pop("dtype")
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    dataset = cfg.train_dataloader.dataset
    if source == "tsv":
        dataset.update(ann_file=str(data / "cc3m" / "train.tsv"), data_root=str(data / "cc3m"))
    else:
        dataset.update(shards=str(data / "cc3m" / "shards" / "{00000..00001}.tar"), num_samples=8)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert (tmp_path / "iter_2.pth").is_file()
    assert {"mIoU", "aAcc"} <= set(runner.val_loop.run())


@pytest.mark.parametrize(
    "name, classes",
    [("voc12", 21), ("pascal-context", 60), ("coco-object", 81)],
)
def test_evaluation_configs_score_their_fake_benchmark(name, classes, data, tmp_path):
    cfg = config(f"groupvit_gs64-8_vit-b32-openai-text_{name}-448.py", data, tmp_path)
    runner = Runner.from_cfg(cfg)
    assert len(runner.model.vocabulary.names) == classes
    metrics = runner.test()
    assert {"mIoU", "aAcc"} <= set(metrics)


def test_coco_object_maps_paint_instances_and_ignore_crowds(data):
    maps = sorted((data / "coco" / "annotations" / "object_val2017").glob("*.png"))
    assert len(maps) == 3
    first = np.asarray(Image.open(maps[0]))
    values = set(np.unique(first).tolist())
    assert 0 in values and 255 in values  # background and the crowd region
    assert all(v == 255 or v <= len(COCO_THINGS) for v in values)
