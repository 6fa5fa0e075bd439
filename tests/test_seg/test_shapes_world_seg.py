"""The shapes-world segmentation writer: mmseg layout, class list, base/novel split."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from clipx.shapes_world import ShapesWorldConfig
from clipx.shapes_world.segmentation import IGNORE_INDEX, write_segmentation

CFG = ShapesWorldConfig(image_size=32, max_objects=3, seed=3)
NOVEL = ("star", "hexagon")


@pytest.fixture(scope="module")
def seg_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("seg")
    write_segmentation(root, CFG, num_train=24, num_val=12, novel=NOVEL, progress=False)
    return root


def _labels(root, split):
    return [np.asarray(Image.open(p)) for p in sorted((root / "ann_dir" / split).glob("*.png"))]


def test_layout_and_class_list(seg_root):
    classes = (seg_root / "classes.txt").read_text().split("\n")[:-1]
    assert classes == ["background", *CFG.shapes]
    split = json.loads((seg_root / "split.json").read_text())
    assert split["novel"] == list(NOVEL) and split["ignore_index"] == IGNORE_INDEX
    assert split["base"] == [c for c in classes if c not in NOVEL]
    for s, n in (("train", 24), ("val", 12)):
        images = sorted(p.name for p in (seg_root / "img_dir" / s).glob("*.png"))
        assert images == sorted(p.name for p in (seg_root / "ann_dir" / s).glob("*.png"))
        assert len(images) == n
        image = np.asarray(Image.open(seg_root / "img_dir" / s / images[0]))
        assert image.shape == (32, 32, 3)


def test_novel_pixels_are_ignored_in_train_labels_only(seg_root):
    classes = ["background", *CFG.shapes]
    novel_ids = {classes.index(n) for n in NOVEL}
    train = np.concatenate([m.ravel() for m in _labels(seg_root, "train")])
    val = np.concatenate([m.ravel() for m in _labels(seg_root, "val")])
    assert IGNORE_INDEX in train and not novel_ids & set(np.unique(train))
    assert IGNORE_INDEX not in val and novel_ids & set(np.unique(val))
    assert set(np.unique(val)) <= set(range(len(classes)))


def test_output_is_deterministic(seg_root, tmp_path):
    write_segmentation(tmp_path, CFG, num_train=3, num_val=2, novel=NOVEL, progress=False)
    for split in ("train", "val"):
        for name in ("000000.png", "000001.png"):
            a = (tmp_path / "ann_dir" / split / name).read_bytes()
            assert a == (seg_root / "ann_dir" / split / name).read_bytes()


def test_novel_classes_are_checked():
    with pytest.raises(ValueError, match="not shapes of this world"):
        write_segmentation("unused", CFG, num_train=1, num_val=1, novel=("dog",))
    with pytest.raises(ValueError, match="leave at least one base shape"):
        write_segmentation("unused", CFG, num_train=1, num_val=1, novel=CFG.shapes)


def test_the_oracle_labels_complete_the_training_labels(seg_root):
    # ann_dir/train_all: the same images; wherever train says 255 it names a novel shape,
    # everywhere else it agrees with train
    classes = ["background", *CFG.shapes]
    novel_ids = {classes.index(n) for n in NOVEL}
    names = sorted(p.name for p in (seg_root / "ann_dir" / "train").glob("*.png"))
    assert names == sorted(p.name for p in (seg_root / "ann_dir" / "train_all").glob("*.png"))
    assert json.loads((seg_root / "split.json").read_text())["complete_train_labels"] == (
        "ann_dir/train_all"
    )
    seen_novel = False
    for part, full in zip(_labels(seg_root, "train"), _labels(seg_root, "train_all"), strict=True):
        ignored = part == IGNORE_INDEX
        assert IGNORE_INDEX not in full
        assert set(np.unique(full[ignored])) <= novel_ids
        assert (full[~ignored] == part[~ignored]).all()
        seen_novel |= bool(ignored.any())
    assert seen_novel
