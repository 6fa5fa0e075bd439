"""Tiny fake datasets in the real segmentation and caption layouts that real-data configs read.

Each writer puts a few random images with valid labels exactly where a config's ``data_root``,
``data_prefix`` and ``ann_file`` expect them: PASCAL VOC 2012 and PASCAL Context in mmseg's
layouts, COCO instances (for COCO-Object), CC3M as open_clip's TSV and as webdataset shards.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = (96, 80)  # (width, height) of every fake image


def _pixels(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)


def _labels(seed: int, num_classes: int) -> np.ndarray:
    """A background map with two rectangles of random classes 1..num_classes-1 and a 255 border."""
    rng = np.random.default_rng(seed)
    labels = np.zeros((SIZE[1], SIZE[0]), dtype=np.uint8)
    for _ in range(2):
        x, y = rng.integers(4, 48), rng.integers(4, 40)
        labels[y : y + 24, x : x + 30] = rng.integers(1, num_classes)
    labels[0, :] = 255
    return labels


def _jpeg(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(_pixels(seed)).save(path, quality=90)


def _png(path: Path, labels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(labels).save(path)


def write_voc(root: str | Path, images: int = 3) -> Path:
    """``root/VOCdevkit/VOC2012``: JPEGImages, SegmentationClass (21 labels), train/val lists."""
    base = Path(root) / "VOCdevkit" / "VOC2012"
    names = [f"2007_{i:06d}" for i in range(images)]
    for i, name in enumerate(names):
        _jpeg(base / "JPEGImages" / f"{name}.jpg", i)
        _png(base / "SegmentationClass" / f"{name}.png", _labels(i, 21))
    lists = base / "ImageSets" / "Segmentation"
    lists.mkdir(parents=True, exist_ok=True)
    for split in ("train", "val"):
        (lists / f"{split}.txt").write_text("\n".join(names) + "\n")
    return base


def write_pascal_context(root: str | Path, images: int = 3) -> Path:
    """``root/VOCdevkit/VOC2010``: JPEGImages, SegmentationClassContext (60 labels), train/val lists."""
    base = Path(root) / "VOCdevkit" / "VOC2010"
    names = [f"2008_{i:06d}" for i in range(images)]
    for i, name in enumerate(names):
        _jpeg(base / "JPEGImages" / f"{name}.jpg", 100 + i)
        _png(base / "SegmentationClassContext" / f"{name}.png", _labels(100 + i, 60))
    lists = base / "ImageSets" / "SegmentationContext"
    lists.mkdir(parents=True, exist_ok=True)
    for split in ("train", "val"):
        (lists / f"{split}.txt").write_text("\n".join(names) + "\n")
    return base


def write_coco_instances(root: str | Path, images: int = 3, split: str = "val2017") -> Path:
    """``root/images/<split>/*.jpg`` and ``root/annotations/instances_<split>.json`` (polygon masks,
    one crowd region) with COCO's category ids 1..90 (80 used); returns the json's path."""
    root = Path(root)
    rng = np.random.default_rng(7)
    category_ids = [i for i in range(1, 91) if i not in (12, 26, 29, 30, 45, 66, 68, 69, 71, 83)]
    infos, anns = [], []
    for i in range(images):
        name = f"{i:012d}.jpg"
        _jpeg(root / "images" / split / name, 200 + i)
        infos.append({"id": i + 1, "file_name": name, "width": SIZE[0], "height": SIZE[1]})
        for k in range(2):
            x, y = float(rng.integers(4, 48)), float(rng.integers(4, 40))
            polygon = [x, y, x + 30, y, x + 30, y + 24, x, y + 24]
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i + 1,
                    "category_id": int(rng.choice(category_ids)),
                    "segmentation": [polygon],
                    "area": 720.0,
                    "bbox": [x, y, 30.0, 24.0],
                    "iscrowd": int(i == 0 and k == 1),
                }
            )
    categories = [{"id": c, "name": f"thing{c}", "supercategory": "thing"} for c in category_ids]
    path = root / "annotations" / f"instances_{split}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"images": infos, "annotations": anns, "categories": categories}))
    return path


CAPTIONS = (
    "a dog on a bench",
    "two people near a car",
    "a cat and a potted plant",
    "a bus on a road",
)


def write_caption_tsv(root: str | Path, pairs: int = 8, *, name: str = "train.tsv") -> Path:
    """``root/<name>`` in open_clip's TSV columns (filepath, title), images under ``root/images``."""
    root = Path(root)
    rows = ["filepath\ttitle"]
    for i in range(pairs):
        _jpeg(root / "images" / f"{i}.jpg", 300 + i)
        rows.append(f"images/{i}.jpg\t{CAPTIONS[i % len(CAPTIONS)]}")
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text("\n".join(rows) + "\n")
    return root / name


def write_caption_shards(root: str | Path, shards: int = 2, per_shard: int = 4) -> list[Path]:
    """``root/shards/{00000..}.tar`` with ``<key>.jpg`` and ``<key>.txt`` per sample (img2dataset's)."""
    out = Path(root) / "shards"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in range(shards):
        path = out / f"{s:05d}.tar"
        with tarfile.open(path, "w") as tar:
            for k in range(per_shard):
                key = f"{s:05d}{k:04d}"
                buffer = io.BytesIO()
                Image.fromarray(_pixels(400 + s * per_shard + k)).save(buffer, format="JPEG")
                caption = CAPTIONS[(s * per_shard + k) % len(CAPTIONS)].encode()
                for ext, data in (("jpg", buffer.getvalue()), ("txt", caption)):
                    info = tarfile.TarInfo(f"{key}.{ext}")
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
        paths.append(path)
    return paths
