"""The GLIP real-data configs, run: two iterations and one evaluation on tiny fakes of each layout.

The model is each config's own architecture (OpenAI's RN50 CLIP, the 256-wide GLIP head with
deep fusion and deformable convolutions) with random weights; only the images' scale shrinks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

pytest.importorskip("mmdet")

from mmdet.datasets import CocoDataset  # noqa: E402

from clipx.apis import read_config  # noqa: E402
from clipx.checkpoint import allow_mmengine_checkpoints  # noqa: E402
from clipx.testing import grounding_layouts as layouts  # noqa: E402

pytestmark = [pytest.mark.mm, pytest.mark.slow]
CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "glip"
COCO = CONFIGS / "glip_rn50-openai-fpn_8xb4-90k_coco.py"
PRETRAIN = CONFIGS / "glip_rn50-openai-fpn_8xb4-90k_o365-goldg.py"
REFCOCO = CONFIGS / "glip_rn50-openai-fpn_refcoco-val.py"
FLICKR = CONFIGS / "glip_rn50-openai-fpn_flickr30k-val.py"
SCALE = (160, 128)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("grounding_layouts")
    layouts.write_coco(root, CocoDataset.METAINFO["classes"])
    layouts.write_objects365(root)
    layouts.write_goldg(root)
    layouts.write_refcoco(root)
    layouts.write_flickr30k(root)
    return root


def _rooted(path: str, root: Path) -> str:
    """``data/...`` of a config -> the same path under the fake root."""
    return str(root / Path(path).relative_to("data")) if path.startswith("data/") else path


def small(cfg: Config, root: Path, work_dir: Path) -> Config:
    """The config on the fake layouts: random CLIP weights, small images, 2 iterations, no workers."""
    cfg.work_dir = str(work_dir)
    cfg.log_level = "WARNING"
    cfg.model.clip.pretrained = None  # the same architecture, random weights: nothing downloaded
    cfg.model.bbox_head.use_checkpoint = False
    cfg.model.test_cfg.score_thr = 0.0  # random weights score low: keep boxes for the metric
    if "train_cfg" in cfg and "max_iters" in cfg.train_cfg:
        cfg.train_cfg.update(max_iters=2, val_interval=2)
    for key in ("train_dataloader", "test_dataloader"):
        if key not in cfg:
            continue
        loader = cfg[key]
        loader.update(
            batch_size=2 if key.startswith("train") else 1, num_workers=0, persistent_workers=False
        )
        datasets = loader.dataset.get("datasets", [loader.dataset])
        for dataset in datasets:
            dataset.data_root = _rooted(dataset.data_root, root)
            for step in dataset.pipeline:
                if "scale" in step:
                    step.scale = SCALE
                if "scales" in step:
                    step.scales = [SCALE]
    if "ann_file" in cfg.test_evaluator:
        cfg.test_evaluator.ann_file = _rooted(cfg.test_evaluator.ann_file, root)
    return cfg


@pytest.mark.parametrize(
    ("config", "expected"),
    [(COCO, "coco/bbox_mAP_50"), (PRETRAIN, "coco/bbox_mAP_50")],
)
def test_training_configs_train_and_evaluate(config, expected, data, tmp_path):
    allow_mmengine_checkpoints()
    torch.manual_seed(0)
    runner = Runner.from_cfg(small(read_config(config), data, tmp_path))
    runner.train()
    assert runner.iter == 2
    metrics = runner.test()
    assert expected in metrics


@pytest.mark.parametrize(
    ("config", "expected"), [(REFCOCO, "refexp/refcoco_precision@1"), (FLICKR, "1")]
)
def test_grounding_configs_evaluate(config, expected, data, tmp_path):
    cfg = small(read_config(config), data, tmp_path)
    assert "train_dataloader" not in cfg
    torch.manual_seed(0)
    metrics = Runner.from_cfg(cfg).test()
    assert expected in metrics
