"""Streaming image-text pairs from webdataset-style tar shards.

A shard is a plain tar whose members are grouped by key: ``000123.jpg`` and
``000123.txt`` form one sample (the layout img2dataset and open_clip use).
Shards are split across ranks and dataloader workers, read sequentially, and
never held in memory whole, so data that does not fit a folder streams.
"""

from __future__ import annotations

import glob
import io
import logging
import multiprocessing as mp
import os
import random
import tarfile
from collections.abc import Iterator
from pathlib import Path

import open_clip
import torch.distributed as dist
from mmengine.logging import print_log
from PIL import Image
from torch.utils.data import IterableDataset, get_worker_info

from clipx.registry import DATASETS

from .transforms import clip_image_transform, clip_preprocess_cfg

IMAGE_EXTS = ("jpg", "jpeg", "png", "webp")
TEXT_EXTS = ("txt", "text", "caption")


def expand_shards(shards: str | list[str]) -> list[str]:
    """Shard paths from a list, a glob (``data/*.tar``) or a brace range (``data/{000..099}.tar``)."""
    if isinstance(shards, (list, tuple)):
        return [str(s) for s in shards]
    if "{" in shards and ".." in shards:
        head, rest = shards.split("{", 1)
        span, tail = rest.split("}", 1)
        lo, hi = span.split("..")
        return [f"{head}{str(i).zfill(len(lo))}{tail}" for i in range(int(lo), int(hi) + 1)]
    found = sorted(glob.glob(shards))
    if not found:
        raise FileNotFoundError(f"No shard matches '{shards}'.")
    return found


def iter_tar_samples(path: str) -> Iterator[tuple[str, dict[str, bytes]]]:
    """(key, {extension: bytes}) for each sample of one shard, in file order."""
    current_key, parts = None, {}
    with tarfile.open(path, mode="r|*") as tar:
        for member in tar:
            if not member.isfile():
                continue
            name = os.path.basename(member.name)
            key, _, ext = name.partition(".")
            if key != current_key and parts:
                yield current_key, parts
                parts = {}
            current_key = key
            parts[ext.lower()] = tar.extractfile(member).read()
    if parts:
        yield current_key, parts


@DATASETS.register_module()
class WebDatasetImageText(IterableDataset):
    """Image-caption pairs streamed from tar shards.

    Yields the same items as :class:`ImageTextDataset`. Each (rank, worker)
    reads its own subset of shards (shuffled per epoch with ``seed``); a sample
    whose image cannot be decoded, or that lacks an image or a caption, is
    skipped, logged and counted in :attr:`num_skipped`; an unreadable shard is
    skipped the same way.

    Args:
        shards: list, glob or brace range of ``.tar`` files.
        model_name: open_clip architecture (tokenizer and preprocessing).
        num_samples: nominal epoch length, for schedulers and progress.
        shuffle_buffer: samples kept for shuffling within the stream (0: none).
    """

    def __init__(
        self,
        *,
        shards: str | list[str],
        model_name: str,
        num_samples: int,
        pretrained: str | None = None,
        is_train: bool = True,
        crop_scale: tuple[float, float] = (0.9, 1.0),
        shuffle_buffer: int = 1000,
        seed: int = 0,
    ) -> None:
        self.shards = expand_shards(shards)
        self.num_samples = int(num_samples)
        self.transform = clip_image_transform(
            clip_preprocess_cfg(model_name, pretrained), is_train=is_train, crop_scale=crop_scale
        )
        self.tokenizer = open_clip.get_tokenizer(model_name)
        self.shuffle_buffer = shuffle_buffer
        self.seed = seed
        self.epoch = 0
        self._skipped = mp.Value("i", 0)
        self.metainfo = {"model_name": model_name}

    def __len__(self) -> int:
        return self.num_samples

    @property
    def num_skipped(self) -> int:
        return int(self._skipped.value)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    @staticmethod
    def _reader_slot() -> tuple[int, int]:
        """This reader's index among all (rank, worker) readers, and their count."""
        rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        return rank * workers + worker, world * workers

    def _skip(self, what: str) -> None:
        with self._skipped.get_lock():
            self._skipped.value += 1
            count = self._skipped.value
        print_log(f"Skipped {what}; {count} skipped so far", logger="current", level=logging.WARNING)

    def _samples(self) -> Iterator[dict]:
        slot, slots = self._reader_slot()
        shards = list(self.shards)
        random.Random(self.seed + self.epoch).shuffle(shards)
        # Enough shards: each reader takes its own. Fewer: all read all, keeping every slots-th sample.
        split_samples = len(shards) < slots
        mine = shards if split_samples else shards[slot::slots]
        index = -1
        for shard in mine:
            try:
                for key, parts in iter_tar_samples(shard):
                    index += 1
                    if split_samples and index % slots != slot:
                        continue
                    sample = self._decode(shard, key, parts)
                    if sample is not None:
                        yield sample
            except (OSError, tarfile.TarError) as err:
                self._skip(f"unreadable shard {shard} ({err})")

    def _decode(self, shard: str, key: str, parts: dict[str, bytes]) -> dict | None:
        image_bytes = next((parts[e] for e in IMAGE_EXTS if e in parts), None)
        text_bytes = next((parts[e] for e in TEXT_EXTS if e in parts), None)
        if image_bytes is None or text_bytes is None:
            self._skip(f"sample {key} in {Path(shard).name} (no image or no caption: {sorted(parts)})")
            return None
        try:
            with Image.open(io.BytesIO(image_bytes)) as image:
                image = image.convert("RGB")
        except (OSError, ValueError) as err:
            self._skip(f"undecodable image {key} in {Path(shard).name} ({err})")
            return None
        caption = text_bytes.decode("utf-8", errors="replace").strip()
        return {"inputs": self.transform(image), "data_samples": {"text": self.tokenizer([caption])[0]}}

    def __iter__(self) -> Iterator[dict]:
        stream = self._samples()
        if not self.shuffle_buffer:
            yield from stream
            return
        rng = random.Random(self.seed * 1000003 + self.epoch)
        buffer: list[dict] = []
        for sample in stream:
            if len(buffer) < self.shuffle_buffer:
                buffer.append(sample)
                continue
            i = rng.randrange(len(buffer))
            yield buffer[i]
            buffer[i] = sample
        rng.shuffle(buffer)
        yield from buffer
