"""A tiny ViLD train + test through mmengine's Runner: ViLD-text, then ViLD with distillation + ensemble."""

from __future__ import annotations

import pytest
import torch
from mmengine.runner import Runner

from clipx.backbone.regions import RegionEmbedder
from clipx.checkpoint import allow_mmengine_checkpoints
from clipx.det import detect, draw_detections, load_detector
from clipx.det.regions import FileProposals, precompute_regions
from clipx.testing import TEST_RN, tiny_clip

from .conftest import (
    NOVEL,
    VILD_CROPS,
    VILD_ENSEMBLE,
    VILD_ORACLE,
    VILD_TEXT,
    config_path,
    on_data,
    vild_config,
    vild_options,
)
from .test_precompute import _gt_proposals, _images

pytestmark = [pytest.mark.mm, pytest.mark.slow]


def test_vild_text_trains_on_base_and_tests_on_all(det_set, tmp_path):
    root, _ = det_set
    allow_mmengine_checkpoints()  # as tools/train.py: the checkpoints load with weights_only=True
    runner = Runner.from_cfg(on_data(vild_config(VILD_TEXT), root, tmp_path / "text"))
    runner.train()
    model = runner.model
    assert model.base_class_names == ("circle", "square", "triangle", "cross")
    metrics = runner.test()
    assert model.vocabulary.names == ("circle", "square", "triangle", "star", "hexagon", "cross")
    assert model.is_base.tolist() == [True, True, True, False, False, True]
    for key in ("bbox_mAP", "base_bbox_mAP_50", "novel_bbox_mAP_50"):
        assert 0.0 <= metrics[f"coco/{key}"] <= 1.0
    saved = torch.load(tmp_path / "text" / "iter_3.pth", map_location="cpu", weights_only=False)
    assert saved["state_dict"]["_extra_state"]["base_class_names"] == list(model.base_class_names)

    # free-text detection with the saved detector (what tools/detect.py does)
    detector = load_detector(
        config_path(VILD_TEXT),
        tmp_path / "text" / "iter_3.pth",
        cfg_options=vild_options(VILD_TEXT),
    )
    assert detector.base_class_names == model.base_class_names
    image = root / "images" / "val" / "000000.png"
    found = detect(detector, image, ["circle", "a star", "hexagon"], score_thr=0.0)
    assert len(found.names) == len(found.bboxes) and set(found.names) <= {
        "circle",
        "a star",
        "hexagon",
    }
    assert detector.vocabulary.names == ("circle", "a star", "hexagon")
    assert draw_detections(image, found, scale=2).size == (128, 128)


def test_the_training_free_baseline_tests_on_a_vild_text_checkpoint(det_set, tmp_path):
    # CLIP on cropped regions: a ViLD-text's RPN, no trained classifier; tools/test.py CONFIG CKPT
    root, _ = det_set
    allow_mmengine_checkpoints()
    Runner.from_cfg(on_data(vild_config(VILD_TEXT), root, tmp_path / "text")).train()
    checkpoint = tmp_path / "text" / "iter_3.pth"
    cfg = on_data(vild_config(VILD_CROPS), root, tmp_path / "crops")
    assert "train_dataloader" not in cfg and "train_cfg" not in cfg
    cfg.load_from = str(checkpoint)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    model = runner.model
    saved = torch.load(checkpoint, map_location="cpu", weights_only=False)["state_dict"]
    for key, value in model.rpn_head.state_dict().items():
        torch.testing.assert_close(value, saved[f"rpn_head.{key}"])
    assert model.vocabulary.names == ("circle", "square", "triangle", "star", "hexagon", "cross")
    for key in ("bbox_mAP_50", "base_bbox_mAP_50", "novel_bbox_mAP_50"):
        assert 0.0 <= metrics[f"coco/{key}"] <= 1.0


def test_the_oracle_trains_on_every_box(det_set, tmp_path):
    # the supervised oracle: the same images as ViLD-text, trained on the novel boxes too
    root, _ = det_set
    allow_mmengine_checkpoints()
    runner = Runner.from_cfg(on_data(vild_config(VILD_ORACLE), root, tmp_path / "oracle"))
    dataset = runner.train_dataloader.dataset
    names = dataset.metainfo["classes"]
    trained = {
        names[inst["bbox_label"]]
        for i in range(len(dataset))
        for inst in dataset.get_data_info(i)["instances"]
    }
    assert set(NOVEL) <= trained
    runner.train()
    assert set(runner.model.base_class_names) == {
        "circle",
        "square",
        "triangle",
        "star",
        "hexagon",
        "cross",
    }
    metrics = runner.test()
    assert 0.0 <= metrics["coco/novel_bbox_mAP_50"] <= 1.0


def test_vild_with_distillation_and_ensemble(det_set, tmp_path):
    root, written = det_set
    region_dir = tmp_path / "regions"
    props = FileProposals(
        _gt_proposals(written["det_train"], tmp_path / "props.json"), num_regions=4
    )
    precompute_regions(
        _images(root, written["det_train"]),
        region_dir,
        embedder=RegionEmbedder(tiny_clip(TEST_RN)),
        proposals=props,
        progress=False,
    )
    # ViLD-ensemble: the image head learns from the distillation, tests score both heads
    cfg = on_data(vild_config(VILD_ENSEMBLE), root, tmp_path / "ens", region_dir=region_dir)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert "train/loss_distill" in runner.message_hub.log_scalars
    metrics = runner.test()
    assert 0.0 <= metrics["coco/novel_bbox_mAP_50"] <= 1.0
