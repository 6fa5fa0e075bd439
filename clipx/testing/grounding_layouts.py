"""Tiny fake datasets in the real grounding layouts that the GLIP real-data configs read.

Each writer puts a few random images and annotations exactly where, and in
the format that, a config's ``data_root``, ``ann_file`` and ``data_prefix``
expect (mmdet's COCO json, ODVG json lines with a label map, GoldG grounding
lines, MDETR's RefCOCO and Flickr30k entities jsons), so a test can train
and evaluate those configs without the real data.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = (96, 80)  # (width, height) of every fake image


def _image(path: Path, seed: int) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return {"file_name": path.name, "width": SIZE[0], "height": SIZE[1]}


def _box(seed: int) -> list[float]:
    """An (x0, y0, x1, y1) box well inside the image."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(4, 40), rng.uniform(4, 30)
    return [float(x), float(y), float(x + rng.uniform(16, 40)), float(y + rng.uniform(16, 40))]


def _xywh(box: list[float]) -> list[float]:
    return [box[0], box[1], box[2] - box[0], box[3] - box[1]]


def write_coco(root: Path, class_names: tuple[str, ...], images: int = 2) -> Path:
    """``root/coco``: ``train2017/``, ``val2017/``, ``annotations/instances_{train,val}2017.json``."""
    coco = root / "coco"
    cats = [{"id": i + 1, "name": n} for i, n in enumerate(class_names)]
    for split in ("train2017", "val2017"):
        record = {"images": [], "annotations": [], "categories": cats}
        for i in range(images):
            info = _image(coco / split / f"{i:012d}.jpg", seed=zlib.crc32(f"{split}/{i}".encode()))
            record["images"].append({"id": i + 1, **info})
            for j in range(2):
                box = _box(10 * i + j)
                record["annotations"].append(
                    {
                        "id": len(record["annotations"]) + 1,
                        "image_id": i + 1,
                        "category_id": 1 + (3 * i + j) % len(cats),
                        "bbox": _xywh(box),
                        "area": (box[2] - box[0]) * (box[3] - box[1]),
                        "iscrowd": 0,
                    }
                )
        (coco / "annotations").mkdir(parents=True, exist_ok=True)
        (coco / "annotations" / f"instances_{split}.json").write_text(json.dumps(record))
    return coco


def _odvg_line(info: dict, payload: dict) -> str:
    return json.dumps(
        {"filename": info["file_name"], "height": info["height"], "width": info["width"], **payload}
    )


def write_objects365(root: Path, num_classes: int = 365, images: int = 2) -> Path:
    """``root/objects365v1``: ``train/``, ``o365v1_train_odvg.json`` (ODVG lines), ``o365v1_label_map.json``."""
    o365 = root / "objects365v1"
    names = {str(i): f"thing {i}" for i in range(num_classes)}
    lines = []
    for i in range(images):
        info = _image(o365 / "train" / f"objects365_v1_{i:08d}.jpg", seed=100 + i)
        instances = [
            {
                "bbox": _box(100 + 10 * i + j),
                "label": (7 * i + j) % num_classes,
                "category": names[str((7 * i + j) % num_classes)],
            }
            for j in range(2)
        ]
        lines.append(_odvg_line(info, {"detection": {"instances": instances}}))
    (o365 / "o365v1_train_odvg.json").write_text("\n".join(lines) + "\n")
    (o365 / "o365v1_label_map.json").write_text(json.dumps(names))
    return o365


CAPTION = "a man in a red shirt throws a ball to a dog"
PHRASES = ("a man", "a red shirt", "a ball", "a dog")


def _grounding_regions(seed: int) -> list[dict]:
    regions = []
    for j, phrase in enumerate(PHRASES):
        start = CAPTION.index(phrase)
        regions.append(
            {
                "bbox": _box(seed + j),
                "phrase": phrase,
                "tokens_positive": [[start, start + len(phrase)]],
            }
        )
    return regions


def write_goldg(root: Path, images: int = 2) -> tuple[Path, Path]:
    """GoldG as ODVG grounding lines: ``root/gqa`` (``images/``) and ``root/flickr30k_entities``."""
    out = []
    for folder, ann, prefix in (
        ("gqa", "final_mixed_train_no_coco_vg.json", "images"),
        ("flickr30k_entities", "final_flickr_separateGT_train_vg.json", "flickr30k_images"),
    ):
        base = root / folder
        lines = []
        for i in range(images):
            info = _image(base / prefix / f"{folder}_{i}.jpg", seed=200 + i)
            lines.append(
                _odvg_line(
                    info,
                    {
                        "grounding": {
                            "caption": CAPTION,
                            "regions": _grounding_regions(200 + 10 * i),
                        }
                    },
                )
            )
        (base / ann).write_text("\n".join(lines) + "\n")
        out.append(base)
    return out[0], out[1]


def write_refcoco(root: Path, images: int = 2) -> Path:
    """``root/coco``: ``train2014/`` and ``mdetr_annotations/finetune_refcoco_val.json`` (MDETR's layout)."""
    coco = root / "coco"
    record = {"images": [], "annotations": [], "categories": [{"id": 1, "name": "person"}]}
    for i in range(images):
        info = _image(coco / "train2014" / f"COCO_train2014_{i:012d}.jpg", seed=300 + i)
        record["images"].append(
            {
                "id": i + 1,
                **info,
                "caption": "the man on the left",
                "dataset_name": "refcoco",
                "original_id": 1000 + i,
            }
        )
        box = _box(300 + i)
        record["annotations"].append(
            {
                "id": i + 1,
                "image_id": i + 1,
                "category_id": 1,
                "bbox": _xywh(box),
                "area": 1.0,
                "iscrowd": 0,
            }
        )
    (coco / "mdetr_annotations").mkdir(parents=True, exist_ok=True)
    (coco / "mdetr_annotations" / "finetune_refcoco_val.json").write_text(json.dumps(record))
    return coco


def write_flickr30k(root: Path, images: int = 2) -> Path:
    """``root/flickr30k_entities``: ``flickr30k_images/`` and ``final_flickr_separateGT_val.json`` (MDETR's layout)."""
    base = root / "flickr30k_entities"
    record = {"images": [], "annotations": [], "categories": [{"id": 1, "name": "object"}]}
    for i in range(images):
        info = _image(base / "flickr30k_images" / f"{1000 + i}.jpg", seed=400 + i)
        spans = [[[CAPTION.index(p), CAPTION.index(p) + len(p)]] for p in PHRASES]
        record["images"].append(
            {
                "id": i + 1,
                **info,
                "caption": CAPTION,
                "tokens_positive_eval": spans,
                "sentence_id": 0,
                "original_img_id": 1000 + i,
            }
        )
        for j, region in enumerate(_grounding_regions(400 + 10 * i)):
            record["annotations"].append(
                {
                    "id": len(record["annotations"]) + 1,
                    "image_id": i + 1,
                    "category_id": 1,
                    "bbox": _xywh(region["bbox"]),
                    "area": 1.0,
                    "iscrowd": 0,
                    "phrase_ids": j,
                    "tokens_positive": region["tokens_positive"],
                }
            )
    (base / "final_flickr_separateGT_val.json").write_text(json.dumps(record))
    return base
