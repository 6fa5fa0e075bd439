"""Shapes world as a COCO-format open-vocabulary detection set.

Categories are the shape names; colour is not part of the category. Some
shapes are *novel*: their boxes are left out of the training json (the
images still show them, as background to a detector trained on it), while
the validation json has every box. CLIP pretraining on shapes-world captions
has seen every shape's name, which is what lets a ViLD detector find the
novel ones.

Layout under ``out_dir``::

    images/train/000000.png ...        images/val/000000.png ...
    annotations/train.json             base boxes only ("split": "base"/"novel" on each category)
    annotations/train_all.json         the same images, every box (the supervised oracle)
    annotations/val.json               every box

The json records the split itself (each category's ``split`` and
``info.novel``), which :class:`clipx.det.OpenVocabCocoDataset` reads. Scenes
come from :func:`~clipx.shapes_world.scene.sample_scene` and boxes from the
renderer's visible masks (:func:`~clipx.shapes_world.render.mask_to_box`),
seeded per image by ``(cfg.seed, 'detection/<split>', index)``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from .config import ShapesWorldConfig, check_novel_shapes
from .output import atomic_write, check_count, parallel_map, save_image
from .render import ShapesRenderer, mask_to_box
from .scene import image_rng, sample_scene
from .vocabulary import DEFAULT_NOVEL_SHAPES

COMPLETE_TRAIN = "train_all"  # annotations/<this>.json: the training images with every box


def categories(cfg: ShapesWorldConfig, novel: Sequence[str]) -> list[dict]:
    """COCO ``categories``: one per shape (ids from 1, in ``cfg.shapes`` order), marked base or novel."""
    novel = check_novel_shapes(cfg, novel)
    return [
        {"id": i + 1, "name": s, "split": "novel" if s in novel else "base"}
        for i, s in enumerate(cfg.shapes)
    ]


def _det_item(index: int, *, cfg: ShapesWorldConfig, stream: str, image_dir: Path) -> dict:
    scene = sample_scene(cfg, image_rng(cfg.seed, stream, index))
    image, masks = ShapesRenderer(supersample=cfg.supersample).render(scene)
    name = f"{index:06d}.{cfg.image_format}"
    save_image(image, image_dir / name, cfg.image_format)
    objects = []
    for obj, mask in zip(scene.objects, masks, strict=True):
        box = mask_to_box(mask)
        if box is not None:
            objects.append(
                {"shape": obj.shape, "colour": obj.colour, "box": box, "area": int(mask.sum())}
            )
    return {"file_name": name, "objects": objects}


def _coco_json(
    items: Sequence[dict],
    cfg: ShapesWorldConfig,
    cats: list[dict],
    *,
    split: str,
    novel: Sequence[str],
    keep_novel: bool,
) -> dict:
    cat_id = {c["name"]: c["id"] for c in cats}
    images, annotations = [], []
    for image_id, item in enumerate(items, start=1):
        images.append(
            {
                "id": image_id,
                "file_name": item["file_name"],
                "width": cfg.image_size,
                "height": cfg.image_size,
            }
        )
        for obj in item["objects"]:
            if obj["shape"] in novel and not keep_novel:
                continue
            x0, y0, x1, y1 = obj["box"]
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": cat_id[obj["shape"]],
                    "bbox": [x0, y0, x1 - x0, y1 - y0],
                    "area": obj["area"],
                    "iscrowd": 0,
                    "colour": obj["colour"],
                }
            )
    info = {
        "description": f"shapes world detection, split {split}",
        "novel": list(novel),
        "novel_boxes_kept": keep_novel,
    }
    return {"info": info, "images": images, "annotations": annotations, "categories": cats}


def write_detection_split(
    out_dir: str | os.PathLike,
    split: str,
    num_images: int,
    cfg: ShapesWorldConfig,
    *,
    novel: Sequence[str] = DEFAULT_NOVEL_SHAPES,
    keep_novel: bool,
    complete_copy: str | None = None,
    num_workers: int = 1,
    progress: bool = True,
) -> Path:
    """Write ``images/<split>/`` and ``annotations/<split>.json``; returns the json path.

    Args:
        keep_novel: write the novel shapes' boxes (evaluation) or drop them (training).
        complete_copy: also write ``annotations/<complete_copy>.json``, the same images
            with every box (the supervised oracle's training set); None: not.
    """
    check_count("num_images", num_images)
    cats = categories(cfg, novel)
    out = Path(out_dir)
    image_dir = out / "images" / split
    image_dir.mkdir(parents=True, exist_ok=True)
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    stream = f"detection/{split}"
    fn = partial(_det_item, cfg=cfg, stream=stream, image_dir=image_dir)
    items = parallel_map(fn, num_images, num_workers=num_workers, progress=progress, desc=stream)
    files = [(split, keep_novel)]
    if complete_copy is not None:
        files.append((complete_copy, True))
    for name, keep in files:
        record = _coco_json(items, cfg, cats, split=split, novel=novel, keep_novel=keep)
        with atomic_write(out / "annotations" / f"{name}.json") as f:
            f.write(json.dumps(record))
    return out / "annotations" / f"{split}.json"


def write_detection(
    out_dir: str | os.PathLike,
    cfg: ShapesWorldConfig,
    *,
    num_train: int,
    num_val: int,
    novel: Sequence[str] = DEFAULT_NOVEL_SHAPES,
    num_workers: int = 1,
    progress: bool = True,
) -> dict[str, Path]:
    """The training split (novel boxes dropped), its complete copy and the validation split.

    ``annotations/train_all.json`` holds the training images with every box:
    what the supervised oracle (a detector trained with the novel classes
    included) learns from; open-vocabulary training never reads it.
    """
    kw = dict(novel=tuple(novel), num_workers=num_workers, progress=progress)
    train = write_detection_split(
        out_dir, "train", num_train, cfg, keep_novel=False, complete_copy=COMPLETE_TRAIN, **kw
    )
    return {
        "det_train": train,
        "det_train_all": train.with_name(f"{COMPLETE_TRAIN}.json"),
        "det_val": write_detection_split(out_dir, "val", num_val, cfg, keep_novel=True, **kw),
    }
