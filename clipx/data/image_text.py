"""Image-text pairs for contrastive pretraining, from the files users already have."""

from __future__ import annotations

import csv
import json
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import open_clip
import torch
from mmengine.logging import print_log
from PIL import Image
from torch.utils.data import Dataset

from clipx.registry import DATASETS

from .transforms import clip_image_transform, clip_preprocess_cfg, clip_uint8_train_transform

FORMATS = ("csv", "tsv", "jsonl", "coco")


def read_pairs(
    ann_file: str | os.PathLike,
    *,
    fmt: str | None = None,
    image_key: str = "filepath",
    caption_key: str = "title",
    sep: str | None = None,
) -> list[tuple[str, str]]:
    """(image path, caption) pairs from a CSV/TSV, JSONL or COCO-captions file.

    CSV/TSV use open_clip's column names by default (``filepath``, ``title``);
    ``sep`` defaults to a tab for ``.tsv`` and a comma otherwise.
    """
    path = Path(ann_file)
    if not path.is_file():
        raise FileNotFoundError(f"Annotation file '{path}' does not exist.")
    fmt = fmt or {".tsv": "tsv", ".jsonl": "jsonl", ".json": "coco"}.get(path.suffix, "csv")
    if fmt not in FORMATS:
        raise ValueError(f"format='{fmt}' is not one of {FORMATS}.")
    if fmt == "coco":
        return _read_coco_captions(path)
    if fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        delimiter = sep or ("\t" if fmt == "tsv" else ",")
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter=delimiter))
    if rows and (image_key not in rows[0] or caption_key not in rows[0]):
        raise ValueError(
            f"'{path}' has columns {sorted(rows[0])}; expected image_key='{image_key}' and "
            f"caption_key='{caption_key}'. Set them in the dataset config."
        )
    return [(str(r[image_key]), str(r[caption_key])) for r in rows]


def _read_coco_captions(path: Path) -> list[tuple[str, str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if "images" not in data or "annotations" not in data:
        raise ValueError(f"'{path}' is not a COCO captions file (needs 'images' and 'annotations').")
    files = {img["id"]: img["file_name"] for img in data["images"]}
    return [(files[a["image_id"]], a["caption"]) for a in data["annotations"] if "caption" in a]


@DATASETS.register_module()
class ImageTextDataset(Dataset):
    """Image-caption pairs from CSV/TSV, JSONL or COCO captions.

    Each item is ``{'inputs': image (3, S, S), 'data_samples': {'text': tokens (L,)}}``
    for ``collate_fn=dict(type='default_collate')``.

    An unreadable or missing image is skipped: the next pair is returned in its
    place, the skip is logged with the path and counted in :attr:`num_skipped`
    (shared by all dataloader workers), so an epoch never dies on one bad file.

    Args:
        ann_file: the annotation file.
        model_name: open_clip architecture: gives the tokenizer and preprocessing.
        data_root: prefix for relative image paths (default: the annotation
            file's folder).
        pretrained: tag whose preprocessing (mean/std/size) to use.
        is_train: random square crops (True) or the model's eval preprocessing.
        crop_scale: area range of the training crop.
        fmt, image_key, caption_key, sep: see :func:`read_pairs`.
        preload: decode every image and tokenize every caption once, here, into memory
            (uint8 pixels in one buffer, shared with forked dataloader workers); training
            crops then run on uint8 tensors (:func:`clip_uint8_train_transform`), evaluation
            gives exactly the PIL path's tensors. For datasets that fit in memory: the 20k
            64-px shapes-world pairs take 234 MB and 5 s. Unreadable images are found then,
            logged, counted in :attr:`num_skipped` and their pairs left out.
    """

    def __init__(
        self,
        *,
        ann_file: str,
        model_name: str,
        data_root: str | None = None,
        pretrained: str | None = None,
        is_train: bool = True,
        crop_scale: tuple[float, float] = (0.9, 1.0),
        fmt: str | None = None,
        image_key: str = "filepath",
        caption_key: str = "title",
        sep: str | None = None,
        preload: bool = False,
    ) -> None:
        if not isinstance(preload, bool):
            raise ValueError(f"preload={preload!r}; use True (decode all images up front) or False.")
        self.pairs = read_pairs(ann_file, fmt=fmt, image_key=image_key, caption_key=caption_key, sep=sep)
        if not self.pairs:
            raise ValueError(f"Annotation file '{ann_file}' lists no image-caption pairs.")
        self.data_root = Path(data_root) if data_root is not None else Path(ann_file).parent
        self.transform: Callable = clip_image_transform(
            clip_preprocess_cfg(model_name, pretrained), is_train=is_train, crop_scale=crop_scale
        )
        self.tokenizer = open_clip.get_tokenizer(model_name)
        self._skipped = mp.Value("i", 0)
        self._bad: set[int] = set()  # indices this process found unreadable
        self.metainfo = {"model_name": model_name}
        self.preloaded = False
        if preload:
            self._preload(clip_preprocess_cfg(model_name, pretrained), is_train, crop_scale)

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def num_skipped(self) -> int:
        """Unreadable images found so far (each counted once per dataloader worker that met it)."""
        return int(self._skipped.value)

    def image_path(self, index: int) -> Path:
        path = Path(self.pairs[index][0])
        return path if path.is_absolute() else self.data_root / path

    def load_image(self, index: int) -> Image.Image:
        with Image.open(self.image_path(index)) as image:
            return image.convert("RGB")

    def _count_skip(self, index: int, err: Exception) -> None:
        with self._skipped.get_lock():
            self._skipped.value += 1
            count = self._skipped.value
        print_log(
            f"Skipped unreadable image {self.image_path(index)} ({err}); {count} skipped so far",
            logger="current",
            level=logging.WARNING,
        )

    def _preload(self, preprocess_cfg: dict, is_train: bool, crop_scale) -> None:
        start = time.perf_counter()
        print_log(f"Preloading {len(self.pairs)} images of {self.data_root}", logger="current")
        arrays, pairs = [], []
        for i, pair in enumerate(self.pairs):
            try:
                arrays.append(np.asarray(self.load_image(i), dtype=np.uint8))
            except (OSError, ValueError) as err:
                self._count_skip(i, err)
                continue
            pairs.append(pair)
        if not pairs:
            raise RuntimeError(f"No image listed in the dataset could be read (root '{self.data_root}').")
        self.pairs = pairs
        sizes = np.array([a.size for a in arrays], dtype=np.int64)
        self._offsets = np.concatenate([[0], np.cumsum(sizes)])
        self._shapes = np.array([a.shape[:2] for a in arrays], dtype=np.int64)
        self._pixels = torch.from_numpy(np.concatenate([a.reshape(-1) for a in arrays]))
        self._tokens = self.tokenizer([caption for _, caption in pairs])
        if is_train:
            self.transform = clip_uint8_train_transform(preprocess_cfg, crop_scale=crop_scale)
        self._train_on_tensors = is_train
        self.preloaded = True
        print_log(
            f"Preloaded {len(pairs)} images ({self._pixels.numel() / 2**20:.0f} MB) in "
            f"{time.perf_counter() - start:.1f} s",
            logger="current",
        )

    def _preloaded_item(self, index: int) -> dict:
        h, w = self._shapes[index]
        pixels = self._pixels[self._offsets[index] : self._offsets[index + 1]].view(int(h), int(w), 3)
        if self._train_on_tensors:
            image = self.transform(pixels.permute(2, 0, 1))
        else:
            image = self.transform(Image.fromarray(pixels.numpy()))
        return {"inputs": image, "data_samples": {"text": self._tokens[index]}}

    def __getitem__(self, index: int) -> dict:
        if self.preloaded:
            return self._preloaded_item(index)
        for attempt in range(len(self.pairs)):
            i = (index + attempt) % len(self.pairs)
            if i in self._bad:
                continue
            try:
                image = self.load_image(i)
            except (OSError, ValueError) as err:
                self._bad.add(i)
                self._count_skip(i, err)
                continue
            tokens = self.tokenizer([self.pairs[i][1]])[0]
            return {"inputs": self.transform(image), "data_samples": {"text": tokens}}
        raise RuntimeError(f"No image listed in the dataset could be read (root '{self.data_root}').")
