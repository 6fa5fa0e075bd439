"""Shapes-world semantic segmentation in mmseg's layout, with a base/novel class split.

Classes are ``background`` plus the world's shape names (colour is not part
of the class). Scenes come from :func:`~clipx.shapes_world.scene.sample_scene`
and masks from :class:`~clipx.shapes_world.render.ShapesRenderer`, so the
images look like the pretraining images (own seed streams, no image is shared).

Novel classes are left out of the *training* labels: their pixels carry the
ignore index, so a head is taught neither the class nor that it is
background. Validation labels are complete. The pretraining captions name
every shape, so CLIP has seen the words; only the segmentation head has not.

Layout under ``out_dir``::

    classes.txt                 one class per line; line i is label value i
    split.json                  the writer's record: classes, base, novel, ignore_index, counts
    img_dir/train/000000.png    RGB images
    ann_dir/train/000000.png    uint8 label maps (novel pixels = ignore_index)
    ann_dir/train_all/000000.png    the same images' complete labels (the supervised oracle)
    img_dir/val/..., ann_dir/val/...   complete labels

``ann_dir/train_all`` is what a head trained with the novel classes included
learns from: the same images, every class labelled. It is the upper bound an
open-vocabulary head is compared with, never part of the open-vocabulary
training.

Datasets read the class list and the split from ``split.json``
(:func:`read_split_record`), not from this module's defaults.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from .config import ShapesWorldConfig, check_novel_shapes
from .output import check_count, parallel_map, save_image
from .render import ShapesRenderer
from .scene import Scene, image_rng, sample_scene
from .vocabulary import DEFAULT_NOVEL_SHAPES

BACKGROUND = "background"
IGNORE_INDEX = 255
SPLIT_FILE = "split.json"
COMPLETE_TRAIN = "train_all"  # ann_dir/ folder of the training images' complete labels


def seg_class_names(cfg: ShapesWorldConfig) -> list[str]:
    """``['background', *cfg.shapes]``: label value i is class i."""
    return [BACKGROUND, *cfg.shapes]


def label_map(
    scene: Scene,
    masks: Sequence[np.ndarray],
    classes: Sequence[str],
    *,
    ignored: Sequence[str] = (),
) -> np.ndarray:
    """(H, W) uint8 label map of a rendered scene.

    Args:
        scene: the scene.
        masks: each object's visible mask (``ShapesRenderer.render``).
        classes: class list; index 0 is the background.
        ignored: class names whose pixels get ``IGNORE_INDEX``.

    Returns:
        The class index of each pixel, ``IGNORE_INDEX`` on ``ignored`` classes.
    """
    labels = np.zeros((scene.image_size, scene.image_size), dtype=np.uint8)
    for obj, mask in zip(scene.objects, masks, strict=True):
        labels[mask] = IGNORE_INDEX if obj.shape in ignored else classes.index(obj.shape)
    return labels


def _seg_item(
    index: int,
    *,
    cfg: ShapesWorldConfig,
    split: str,
    out: Path,
    ignored: tuple[str, ...],
    complete_split: str | None,
) -> None:
    scene = sample_scene(cfg, image_rng(cfg.seed, f"segmentation/{split}", index))
    image, masks = ShapesRenderer(supersample=cfg.supersample).render(scene)
    classes = seg_class_names(cfg)
    name = f"{index:06d}"
    save_image(image, out / "img_dir" / split / f"{name}.{cfg.image_format}", cfg.image_format)
    Image.fromarray(label_map(scene, masks, classes, ignored=ignored)).save(
        out / "ann_dir" / split / f"{name}.png"
    )
    if complete_split is not None:
        Image.fromarray(label_map(scene, masks, classes)).save(
            out / "ann_dir" / complete_split / f"{name}.png"
        )


def write_segmentation(
    out_dir: str | os.PathLike,
    cfg: ShapesWorldConfig,
    *,
    num_train: int,
    num_val: int,
    novel: Sequence[str] = DEFAULT_NOVEL_SHAPES,
    num_workers: int = 1,
    progress: bool = True,
) -> Path:
    """Write the segmentation split (see the module docstring for the layout).

    Args:
        out_dir: destination folder (created).
        cfg: the world.
        num_train: training images (novel pixels ignored; their complete labels go to
            ``ann_dir/train_all``).
        num_val: validation images (complete labels).
        novel: shape names held out of the training labels.
        num_workers: processes drawing images; the output does not depend on it.
        progress: show progress bars.

    Returns:
        ``out_dir/split.json``.
    """
    check_count("num_train", num_train)
    check_count("num_val", num_val)
    novel = check_novel_shapes(cfg, novel)
    out = Path(out_dir)
    classes = seg_class_names(cfg)
    splits = (("train", num_train, novel, COMPLETE_TRAIN), ("val", num_val, (), None))
    for split, count, ignored, complete_split in splits:
        for kind in ("img_dir", "ann_dir"):
            (out / kind / split).mkdir(parents=True, exist_ok=True)
        if complete_split is not None:
            (out / "ann_dir" / complete_split).mkdir(parents=True, exist_ok=True)
        fn = partial(
            _seg_item,
            cfg=cfg,
            split=split,
            out=out,
            ignored=ignored,
            complete_split=complete_split,
        )
        parallel_map(
            fn, count, num_workers=num_workers, progress=progress, desc=f"segmentation/{split}"
        )
    (out / "classes.txt").write_text("".join(f"{c}\n" for c in classes), encoding="utf-8")
    split = {
        "classes": classes,
        "base": [c for c in classes if c not in novel],
        "novel": list(novel),
        "ignore_index": IGNORE_INDEX,
        "counts": {"train": num_train, "val": num_val},
        "complete_train_labels": f"ann_dir/{COMPLETE_TRAIN}",
    }
    path = out / SPLIT_FILE
    path.write_text(json.dumps(split, indent=2) + "\n", encoding="utf-8")
    return path


def read_split_record(folder: str | os.PathLike) -> dict | None:
    """The ``split.json`` a segmentation writer left in ``folder``, or None when there is none.

    Returns:
        ``{"classes": [...], "base": [...], "novel": [...], "ignore_index": int,
        "counts": {...}}``: ``classes[i]`` is label value ``i``.

    Raises:
        ValueError: the file exists but lacks the class list or the split.
    """
    path = Path(folder) / SPLIT_FILE
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in ("classes", "base", "novel") if k not in record]
    if missing:
        raise ValueError(
            f"'{path}' lacks {missing}; it is not a shapes-world segmentation record. Regenerate the "
            "folder with tools/generate_shapes_world.py or remove the file."
        )
    return record
