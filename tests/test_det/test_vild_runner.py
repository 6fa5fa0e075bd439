"""A tiny ViLD train + test through mmengine's Runner: ViLD-text, then ViLD with distillation + ensemble."""

from __future__ import annotations

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from clipx.backbone.regions import RegionEmbedder
from clipx.det import detect, draw_detections, load_detector
from clipx.det.regions import FileProposals, precompute_regions
from clipx.testing import TEST_RN, tiny_clip

from .conftest import TEST_PIPELINE, tiny_vild, train_pipeline
from .test_precompute import _gt_proposals, _images

pytestmark = [pytest.mark.mm, pytest.mark.slow]


def _runner(root, work_dir, model: dict, region_dir=None) -> Runner:
    return Runner(
        model=model,
        work_dir=str(work_dir),
        default_scope="clipx",
        train_dataloader=dict(
            batch_size=2,
            num_workers=0,
            sampler=dict(type="InfiniteSampler", shuffle=True),
            collate_fn=dict(type="pseudo_collate"),
            dataset=dict(
                type="mmdet.OpenVocabCocoDataset",
                split="base",
                data_root=str(root),
                ann_file="annotations/train.json",
                data_prefix=dict(img="images/train/"),
                filter_cfg=dict(filter_empty_gt=True),
                pipeline=train_pipeline(region_dir),
            ),
        ),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=3),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)),
        test_dataloader=dict(
            batch_size=3,
            num_workers=0,
            sampler=dict(type="DefaultSampler", shuffle=False),
            collate_fn=dict(type="pseudo_collate"),
            dataset=dict(
                type="mmdet.OpenVocabCocoDataset",
                split="all",
                data_root=str(root),
                ann_file="annotations/val.json",
                data_prefix=dict(img="images/val/"),
                test_mode=True,
                pipeline=TEST_PIPELINE,
            ),
        ),
        test_cfg=dict(type="TestLoop"),
        test_evaluator=dict(
            type="mmdet.OpenVocabCocoMetric", ann_file=str(root / "annotations" / "val.json")
        ),
        custom_hooks=[dict(type="mmdet.VocabularyHook")],
        default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=3, by_epoch=False)),
        randomness=dict(seed=0),
    )


def test_vild_text_trains_on_base_and_tests_on_all(det_set, tmp_path):
    root, _ = det_set
    runner = _runner(root, tmp_path / "text", tiny_vild())
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
    cfg = Config(
        dict(
            default_scope="clipx",
            model=tiny_vild(),
            test_dataloader=dict(dataset=dict(pipeline=TEST_PIPELINE)),
        )
    )
    cfg_path = tmp_path / "tiny_vild.py"
    cfg.dump(str(cfg_path))
    detector = load_detector(cfg_path, tmp_path / "text" / "iter_3.pth")
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
    model = tiny_vild(distill_weight=0.5, image_head=True, ensemble=True)
    runner = _runner(root, tmp_path / "ens", model, region_dir=region_dir)
    runner.train()
    assert "train/loss_distill" in runner.message_hub.log_scalars
    metrics = runner.test()
    assert 0.0 <= metrics["coco/novel_bbox_mAP_50"] <= 1.0
