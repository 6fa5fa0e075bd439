"""Cached frame embeddings: train a video head on a frozen image tower without decoding.

With the image tower frozen, uniform frame sampling and the eval transform, a
clip's frame embeddings are the same at every epoch, so a training run that
decodes and encodes every clip at every step repeats the same work. Like
ViLD's region precompute, ``tools/video_precompute.py`` encodes the training
clips once (:func:`clipx.video.precompute_frame_embeds`) and
:class:`VideoFeaturePairs` serves ``(frame embeddings, caption)`` pairs from
the folder; :class:`~clipx.video.CLIP4Clip` accepts (B, T, D) frame
embeddings in place of (B, T, 3, H, W) clips. Evaluation still decodes the
videos, so a head trained on cached frames is tested on the real pipeline.

A feature folder is a :class:`clipx.backbone.feature_cache.FeatureCache`:

* ``meta.json``: the backbone that computed the embeddings
  (:func:`~clipx.backbone.feature_cache.backbone_identity`: architecture,
  precision, preprocessing, a content hash of the image tower, the weights
  file or tag), the frame sampling (``num_frames``, ``sampling``,
  ``target_fps``), the ordered video ids' digest, ``num_videos``,
  ``embed_dim``, ``shard_size`` and the videos that could not be read;
* ``shard_00000.pt``, ...: ``{"video_ids": [str], "embeds": (n, T, D) float32,
  "masks": (n, T) bool, "errors": [str | None]}`` for consecutive runs of
  ``shard_size`` videos (written whole, so a stopped precompute resumes at the
  first missing shard).

:class:`VideoFeaturePairs` refuses a folder whose backbone or sampling differ
from the config's, naming the field, so stale embeddings never train a model
silently.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from torch.utils.data import Dataset

from clipx.backbone.feature_cache import FeatureCache, backbone_identity
from clipx.registry import DATASETS

from .data import PAIRINGS, read_video_captions, read_video_list

FORMAT_VERSION = 2  # 2: the backbone is identified by a content hash of its image tower
PRECOMPUTE_HINT = "python tools/video_precompute.py CONFIG"


def frame_cache(folder: str | os.PathLike) -> FeatureCache:
    """The cache protocol of a frame-embedding folder."""
    return FeatureCache(
        folder,
        what="frame embeddings",
        tool=PRECOMPUTE_HINT,
        item_pattern="shard_*.pt",
        folder_option="feature_dir",
    )


def shard_name(index: int) -> str:
    """File name of shard ``index`` (videos ``[index * shard_size, (index + 1) * shard_size)``)."""
    return f"shard_{index:05d}.pt"


def video_ids_digest(video_ids: Sequence[str]) -> str:
    """A short digest of an ordered list of video ids."""
    return hashlib.sha1("\n".join(video_ids).encode("utf-8")).hexdigest()[:16]


def load_frame_features(folder: str | os.PathLike) -> dict:
    """All shards of a complete feature folder.

    Returns:
        ``{"meta", "video_ids": [str], "embeds": (N, T, D) float32,
        "masks": (N, T) bool, "errors": [str | None]}``.
    """
    cache = frame_cache(folder)
    meta = cache.read_meta()
    num_shards = -(-meta["num_videos"] // meta["shard_size"])
    missing = [shard_name(i) for i in range(num_shards) if not cache.done(shard_name(i))]
    if missing:
        raise FileNotFoundError(
            f"Frame embeddings in '{folder}' are incomplete: {len(missing)} of {num_shards} shards "
            f"missing (first: {missing[0]}); finish them with `{PRECOMPUTE_HINT}` (it resumes)."
        )
    ids, embeds, masks, errors = [], [], [], []
    for i in range(num_shards):
        shard = torch.load(cache.path(shard_name(i)), map_location="cpu", weights_only=True)
        ids += shard["video_ids"]
        embeds.append(shard["embeds"])
        masks.append(shard["masks"])
        errors += shard["errors"]
    return {
        "meta": meta,
        "video_ids": ids,
        "embeds": torch.cat(embeds),
        "masks": torch.cat(masks),
        "errors": errors,
    }


@DATASETS.register_module()
class VideoFeaturePairs(Dataset):
    """Training pairs of (cached frame embeddings, caption).

    Items: ``{'inputs': (T, D) float32 frame embeddings, 'data_samples':
    BaseDataElement(video_id, text, frame_mask (T,) bool, read_error=None,
    skipped_ids=[])}`` (collate with ``pseudo_collate``), which
    :class:`~clipx.video.CLIP4Clip` trains on like decoded clips.

    Args:
        feature_dir: a folder written by ``tools/video_precompute.py``.
        source: the config of the video dataset the embeddings were computed
            from (a :class:`~clipx.video.VideoTextPairs` dict): its
            ``ann_file`` (and column settings) gives the captions, its
            ``num_frames``, ``sampling`` and ``target_fps`` are checked against
            the folder, and the precompute tool builds it to read the clips.
        clip: the backbone config of the model; checked against the backbone
            that computed the embeddings
            (:func:`~clipx.backbone.feature_cache.backbone_identity`, which
            builds it to hash its image tower).
        pairing: ``'random_caption'`` (one item per video, a caption drawn each
            time) or ``'every_caption'``.

    Videos that could not be read at precompute time are dropped and counted
    in the log.
    """

    def __init__(
        self,
        *,
        feature_dir: str | os.PathLike,
        source: dict,
        clip: dict,
        pairing: str = "random_caption",
    ) -> None:
        if pairing not in PAIRINGS:
            raise ValueError(f"pairing={pairing!r}; use one of {PAIRINGS}.")
        if "ann_file" not in source:
            raise KeyError(
                "source must be the video dataset config the embeddings come from, with an ann_file, "
                "e.g. dict(type=VideoTextPairs, ann_file=..., video_root=..., transform=..., num_frames=12)."
            )
        self.feature_dir = Path(feature_dir)
        self.pairing = pairing
        captions = source_captions(source)
        features = load_frame_features(self.feature_dir)
        frame_cache(self.feature_dir).check(
            features["meta"], expected_meta(source, clip, list(captions))
        )
        self.unreadable = {
            v: e
            for v, e in zip(features["video_ids"], features["errors"], strict=True)
            if e is not None
        }
        keep = [i for i, v in enumerate(features["video_ids"]) if v not in self.unreadable]
        self.video_ids = [features["video_ids"][i] for i in keep]
        self.embeds = features["embeds"][keep]
        self.masks = features["masks"][keep]
        self.captions = [captions[v] for v in self.video_ids]
        self.pairs = [(v, c) for v, texts in enumerate(self.captions) for c in range(len(texts))]
        if self.unreadable:
            first = next(iter(self.unreadable.items()))
            print_log(
                f"VideoFeaturePairs: {len(self.unreadable)} videos could not be read at precompute time "
                f"and are dropped (e.g. {first[0]}: {first[1]}).",
                logger="current",
                level=logging.WARNING,
            )
        if not self.video_ids:
            raise ValueError(f"No readable video in the frame embeddings of '{self.feature_dir}'.")

    @property
    def metainfo(self) -> dict:
        return {
            "num_videos": len(self.video_ids),
            "num_captions": sum(map(len, self.captions)),
            "dropped_video_ids": tuple(self.unreadable),
        }

    def __len__(self) -> int:
        return len(self.video_ids) if self.pairing == "random_caption" else len(self.pairs)

    def __getitem__(self, index: int) -> dict:
        if self.pairing == "random_caption":
            # torch's generator: seeded differently in every dataloader worker
            video, caption = index, int(torch.randint(len(self.captions[index]), ()).item())
        else:
            video, caption = self.pairs[index]
        sample = BaseDataElement(
            metainfo={"feature_dir": str(self.feature_dir)},
            video_id=self.video_ids[video],
            text=self.captions[video][caption],
            frame_mask=self.masks[video],
            read_error=None,
            skipped_ids=[],
        )
        return {"inputs": self.embeds[video], "data_samples": sample}


def source_captions(source: dict) -> dict[str, list[str]]:
    """Video id -> captions of a video dataset config, in its order (``video_list`` applied)."""
    columns = {k: source[k] for k in ("video_column", "caption_column", "delimiter") if k in source}
    captions = read_video_captions(source["ann_file"], **columns)
    if source.get("video_list") is not None:
        keep = set(
            read_video_list(
                source["video_list"], video_column=columns.get("video_column", "video_id")
            )
        )
        captions = {v: c for v, c in captions.items() if v in keep}
    return captions


def expected_meta(source: dict, clip, video_ids: Sequence[str]) -> dict:
    """The ``meta.json`` fields a folder must have to serve ``source`` with backbone ``clip``."""
    return {
        "format": FORMAT_VERSION,
        "backbone": backbone_identity(clip),
        "num_frames": int(source.get("num_frames", 12)),
        "sampling": source.get("sampling", "uniform"),
        "target_fps": float(source.get("target_fps", 1.0)),
        "video_ids_sha1": video_ids_digest(video_ids),
    }
