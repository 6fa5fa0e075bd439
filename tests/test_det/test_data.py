"""Shapes-world detection output, the open-vocabulary COCO dataset, stored-region loading."""

from __future__ import annotations

import json

import numpy as np
import pytest

from clipx.det import OpenVocabCocoDataset, split_categories
from clipx.det.data import LoadRegionEmbeddings, _follow_geometry
from clipx.shapes_world import (
    ShapesRenderer,
    ShapesWorldConfig,
    image_rng,
    mask_to_box,
    sample_scene,
    write_detection_split,
)
from clipx.shapes_world.detection import categories

from .conftest import IMAGE_SIZE, NOVEL, TEST_PIPELINE

pytestmark = pytest.mark.mm


def test_novel_boxes_are_only_in_the_validation_json(det_set):
    root, written = det_set
    train = json.loads(written["det_train"].read_text())
    val = json.loads(written["det_val"].read_text())
    names = {c["id"]: c["name"] for c in train["categories"]}
    assert [c["name"] for c in train["categories"]] == list(ShapesWorldConfig().shapes)
    assert {c["name"] for c in train["categories"] if c["split"] == "novel"} == set(NOVEL)
    assert not {names[a["category_id"]] for a in train["annotations"]} & set(NOVEL)
    assert {names[a["category_id"]] for a in val["annotations"]} & set(NOVEL)
    # the training images still show the novel shapes (as unlabelled background)
    cfg = ShapesWorldConfig(image_size=IMAGE_SIZE, max_objects=3, supersample=2)
    shown = {
        o.shape
        for i in range(12)
        for o in sample_scene(cfg, image_rng(0, "detection/train", i)).objects
    }
    assert shown & set(NOVEL)
    assert (root / "images" / "train" / train["images"][0]["file_name"]).is_file()


def test_the_oracle_json_has_every_training_box(det_set):
    # train_all.json: the training images with the novel boxes too; base boxes are the same
    _, written = det_set
    train = json.loads(written["det_train"].read_text())
    full = json.loads(written["det_train_all"].read_text())
    names = {c["id"]: c["name"] for c in full["categories"]}
    assert full["images"] == train["images"]
    assert full["categories"] == train["categories"]
    assert full["info"]["novel_boxes_kept"] and not train["info"]["novel_boxes_kept"]

    def boxes(record, keep):
        return sorted(
            (a["image_id"], names[a["category_id"]], *a["bbox"])
            for a in record["annotations"]
            if keep(names[a["category_id"]])
        )

    assert boxes(full, lambda n: n not in NOVEL) == boxes(train, lambda n: True)
    assert boxes(full, lambda n: n in NOVEL)
    cfg = ShapesWorldConfig(image_size=IMAGE_SIZE, max_objects=3, supersample=2)
    scene = sample_scene(cfg, image_rng(0, "detection/train", 0))
    _, masks = ShapesRenderer(supersample=2).render(scene)
    expected = sorted(
        (1, o.shape, b[0], b[1], b[2] - b[0], b[3] - b[1])
        for o, m in zip(scene.objects, masks, strict=True)
        if (b := mask_to_box(m)) is not None
    )
    assert [b for b in boxes(full, lambda n: True) if b[0] == 1] == expected


def test_boxes_come_from_the_rendered_masks(det_set):
    _, written = det_set
    val = json.loads(written["det_val"].read_text())
    cfg = ShapesWorldConfig(image_size=IMAGE_SIZE, max_objects=3, supersample=2)
    scene = sample_scene(cfg, image_rng(0, "detection/val", 0))
    _, masks = ShapesRenderer(supersample=2).render(scene)
    expected = [list(mask_to_box(m)) for m in masks]
    got = [
        [a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]]
        for a in val["annotations"]
        if a["image_id"] == 1
    ]
    assert got == expected


def test_writer_is_deterministic_and_checks_the_split(tmp_path, det_set):
    _, written = det_set
    cfg = ShapesWorldConfig(image_size=IMAGE_SIZE, max_objects=3, supersample=2)
    again = write_detection_split(
        tmp_path, "val", 6, cfg, novel=NOVEL, keep_novel=True, progress=False
    )
    assert again.read_bytes() == written["det_val"].read_bytes()
    with pytest.raises(ValueError, match="not shapes of this world"):
        categories(cfg, ["heart"])
    with pytest.raises(ValueError, match="at least one base"):
        categories(cfg, list(cfg.shapes))


def test_split_by_names_frequency_or_json_marks():
    cats = [
        {"id": 1, "name": "a", "frequency": "f"},
        {"id": 2, "name": "b", "frequency": "r", "split": "novel"},
        {"id": 3, "name": "c", "frequency": "c"},
    ]
    assert split_categories(cats) == (["a", "c"], ["b"])
    assert split_categories(cats, novel_names=["c"]) == (["a", "b"], ["c"])
    assert split_categories(cats, novel_frequencies=["r", "c"]) == (["a"], ["b", "c"])
    with pytest.raises(ValueError, match="not categories"):
        split_categories(cats, novel_names=["zebra"])


def test_dataset_classes_follow_the_split(det_set):
    root, _ = det_set
    kw = dict(data_root=str(root), data_prefix=dict(img="images/train/"), pipeline=[])
    base = OpenVocabCocoDataset(split="base", ann_file="annotations/train.json", **kw)
    assert base.metainfo["classes"] == ("circle", "square", "triangle", "cross")
    assert base.metainfo["novel_classes"] == NOVEL
    every = OpenVocabCocoDataset(
        split="all",
        ann_file="annotations/val.json",
        test_mode=True,
        **dict(kw, data_prefix=dict(img="images/val/")),
    )
    assert every.metainfo["classes"] == tuple(ShapesWorldConfig().shapes)
    novel_named = OpenVocabCocoDataset(
        split="base",
        ann_file="annotations/val.json",
        novel_names=["circle"],
        **dict(kw, data_prefix=dict(img="images/val/")),
    )
    assert "circle" not in novel_named.metainfo["classes"]
    labels = {
        inst["bbox_label"]
        for i in range(len(novel_named))
        for inst in novel_named.get_data_info(i)["instances"]
    }
    assert labels <= set(range(len(novel_named.metainfo["classes"])))


def test_test_pipeline_packs_samples(det_set):
    root, _ = det_set
    ds = OpenVocabCocoDataset(
        split="all",
        data_root=str(root),
        ann_file="annotations/val.json",
        data_prefix=dict(img="images/val/"),
        test_mode=True,
        pipeline=TEST_PIPELINE,
    )
    item = ds[0]
    assert tuple(item["inputs"].shape) == (3, IMAGE_SIZE, IMAGE_SIZE)


def test_stored_boxes_follow_resize_and_flip():
    boxes = np.array([[10.0, 20.0, 30.0, 40.0]], np.float32)
    out = _follow_geometry(
        boxes,
        {
            "scale_factor": (2.0, 0.5),
            "flip": True,
            "flip_direction": "horizontal",
            "img_shape": (50, 100),
        },
    )
    np.testing.assert_allclose(out, [[100 - 60, 10, 100 - 20, 20]])


def test_missing_region_index_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="vild_precompute"):
        LoadRegionEmbeddings(region_dir=tmp_path).transform({"img_id": 1})
