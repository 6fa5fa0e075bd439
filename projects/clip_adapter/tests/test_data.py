"""The few-shot shapes-world writer, K-shot sampling and the flip transform."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from clipx.shapes_world import ShapesWorldConfig, class_names
from clipx.shapes_world.classification import draw_class_image
from clipx.testing import TEST_VIT, tiny_clip
from projects.clip_adapter.clip_adapter import (
    FewShotImageFolder,
    clip_flip_train_transform,
    few_shot_indices,
)
from projects.clip_adapter.clip_adapter.shapes_fewshot import write_fewshot_dataset

CLASSES = ["pink circle", "pink heart", "red circle", "red heart"]


def test_writer_lays_out_class_folders_and_meta(fewshot_root, fewshot_world):
    _, splits = fewshot_world
    assert (fewshot_root / "classes.txt").read_text().split("\n")[:-1] == CLASSES
    for split, per_class in splits.items():
        for name in CLASSES:
            assert len(list((fewshot_root / split / name).glob("*.png"))) == per_class
    meta = json.loads((fewshot_root / "meta.json").read_text())
    assert meta["splits"] == splits and meta["with_size"] is False


def test_writer_is_deterministic_and_splits_differ(fewshot_root, tmp_path):
    cfg = ShapesWorldConfig(
        image_size=32, colours=("red",), shapes=("circle",), max_objects=1, supersample=2
    )
    write_fewshot_dataset(tmp_path, cfg, {"train": 2, "test": 2})
    first = np.asarray(Image.open(tmp_path / "train" / "red circle" / "000000.png"))
    again = draw_class_image(cfg, "red", "circle", stream="clip_adapter/train", index=0)
    other = draw_class_image(cfg, "red", "circle", stream="clip_adapter/test", index=0)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_same_meta_skips_other_meta_needs_overwrite(fewshot_root, fewshot_world):
    cfg, splits = fewshot_world
    assert write_fewshot_dataset(fewshot_root, cfg, splits)["skipped"] is True
    with pytest.raises(FileExistsError, match="overwrite"):
        write_fewshot_dataset(fewshot_root, cfg, {"train": 1})


def test_with_size_pins_the_drawn_size():
    cfg = ShapesWorldConfig(image_size=64, colours=("red",), shapes=("square",), max_objects=1)
    assert class_names(cfg, with_size=True) == ["large red square", "small red square"]
    areas = {}
    for size in ("small", "large"):
        image = draw_class_image(cfg, "red", "square", size=size, stream="t", index=3)
        areas[size] = int(((image[..., 0] > 170) & (image[..., 1] < 100)).sum())
    # radius ranges (0.09-0.13) and (0.18-0.25) of the side: the large square is >2x the area
    assert areas["large"] > 2 * areas["small"] > 0
    with pytest.raises(ValueError, match="'medium'"):
        draw_class_image(cfg, "red", "square", size="medium", stream="t", index=0)


def test_few_shot_indices_are_nested_balanced_and_seeded():
    labels = [i % 3 for i in range(30)]
    one, four = few_shot_indices(labels, 1, seed=5), few_shot_indices(labels, 4, seed=5)
    assert set(one) <= set(four)
    assert np.bincount([labels[i] for i in four]).tolist() == [4, 4, 4]
    assert few_shot_indices(labels, 4, seed=6) != four
    with pytest.raises(ValueError, match="fewer than shots=11"):
        few_shot_indices(labels, 11, seed=0)
    with pytest.raises(ValueError, match="shots=0"):
        few_shot_indices(labels, 0, seed=0)


def test_fewshot_image_folder_keeps_k_per_class(fewshot_root):
    kwargs = dict(
        root=fewshot_root / "train", classes_file="../classes.txt", transform=lambda im: im
    )
    two = FewShotImageFolder(shots=2, seed=1, **kwargs)
    full = FewShotImageFolder(**kwargs)
    assert len(two) == 8 and len(full) == 16
    assert np.bincount(two.labels).tolist() == [2, 2, 2, 2]
    assert two.metainfo["classes"] == tuple(CLASSES)
    assert two.metainfo["shots"] == 2
    assert set(FewShotImageFolder(shots=1, seed=1, **kwargs).image_paths) <= set(two.image_paths)
    with pytest.raises(
        ValueError, match=r"shots=5 but 4 class\(es\) have fewer images, e.g. 'pink circle' \(4\)"
    ):
        FewShotImageFolder(shots=5, **kwargs)


def test_flip_transform_is_the_eval_transform_mirrored(fewshot_root):
    clip = tiny_clip(TEST_VIT)
    image = Image.open(next((fewshot_root / "train" / "red heart").glob("*.png")))
    plain = clip.image_transform(is_train=False)(image)
    flipped = clip_flip_train_transform(clip=clip, flip_prob=1.0)(image)
    assert torch.allclose(flipped, plain.flip(-1))
    assert torch.allclose(clip_flip_train_transform(clip=clip, flip_prob=0.0)(image), plain)
    with pytest.raises(ValueError, match="flip_prob=2"):
        clip_flip_train_transform(clip=clip, flip_prob=2)
