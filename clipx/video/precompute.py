"""Encode a video dataset's frames once with a frozen CLIP (see :mod:`clipx.data.video_features`)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path

import torch
from mmengine.logging import print_log
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from clipx.backbone import FrozenCLIP
from clipx.data.video import VideoCaptionsBase
from clipx.data.video_features import (
    FORMAT_VERSION,
    META_FILE,
    backbone_identity,
    check_meta,
    shard_path,
    video_ids_digest,
)


class _Clips(Dataset):
    """(video index, clip, frame mask, error) for each video of ``indices``."""

    def __init__(self, videos: VideoCaptionsBase, indices: list[int]) -> None:
        self.videos, self.indices = videos, indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, n: int):
        i = self.indices[n]
        clip, mask, error = self.videos.read_clip(i)
        return i, clip, mask, error


def _collate(items):
    index, clips, masks, errors = zip(*items, strict=True)
    return list(index), torch.stack(clips), torch.stack(masks), list(errors)


@torch.no_grad()
def precompute_frame_embeds(
    clip: FrozenCLIP,
    videos: VideoCaptionsBase,
    out_dir: str | os.PathLike,
    *,
    batch_size: int = 32,
    num_workers: int = 2,
    shard_size: int = 256,
    overwrite: bool = False,
    progress: bool = True,
) -> dict:
    """Write the frame embeddings of every video of ``videos`` to ``out_dir``.

    Each video is read with ``videos.read_clip`` (its own sampling and
    transform); only real frames are encoded. An unreadable video gets an
    all-False mask and its error in the shard (the training dataset drops it).
    Shards are written whole and atomically: a rerun skips the finished ones
    (resume), after checking that the folder was made by the same backbone
    from the same videos; ``overwrite=True`` starts the folder afresh.

    Args:
        clip: the frozen backbone (its device and precision are used).
        videos: a video dataset (``VideoTextPairs``/``VideoTextDataset``);
            build it with ``on_error='empty'`` so every annotated video keeps
            its place.
        out_dir: the feature folder.
        batch_size: clips per forward.
        num_workers: decoding processes.
        shard_size: videos per shard file.
        overwrite: delete what ``out_dir`` holds first.
        progress: show a progress bar.

    Returns:
        ``{"out_dir", "num_videos", "num_unreadable", "encoded", "seconds"}``.
    """
    if videos.on_error != "empty":
        raise ValueError(
            "Build the video dataset with on_error='empty' for the precompute: every annotated video "
            "must keep its place (unreadable ones are recorded and dropped at training time)."
        )
    out = Path(out_dir)
    meta = {
        "format": FORMAT_VERSION,
        "backbone": backbone_identity(clip),
        "num_frames": videos.num_frames,
        "sampling": videos.sampling,
        "target_fps": videos.target_fps,
        "video_ids_sha1": video_ids_digest(videos.video_ids),
        "num_videos": len(videos.video_ids),
        "shard_size": int(shard_size),
        "embed_dim": clip.embed_dim,
    }
    if overwrite and out.exists():
        shutil.rmtree(out)
    if (out / META_FILE).is_file():
        check_meta(json.loads((out / META_FILE).read_text(encoding="utf-8")), meta, out)
    out.mkdir(parents=True, exist_ok=True)
    (out / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")

    num_shards = -(-meta["num_videos"] // shard_size)
    todo = [k for k in range(num_shards) if not shard_path(out, k).is_file()]
    device = next(clip.parameters()).device
    start, encoded, unreadable = time.time(), 0, 0
    bar = tqdm(
        total=sum(min(shard_size, meta["num_videos"] - k * shard_size) for k in todo),
        desc="frame embeddings",
        unit="clip",
        disable=not progress,
    )
    for k in todo:
        indices = list(range(k * shard_size, min((k + 1) * shard_size, meta["num_videos"])))
        loader = DataLoader(
            _Clips(videos, indices),
            batch_size=batch_size,
            num_workers=num_workers,
            collate_fn=_collate,
        )
        ids, embeds, masks, errors = [], [], [], []
        for index, clips, mask, error in loader:
            frames = torch.zeros(*mask.shape, clip.embed_dim)
            if mask.any():
                real = clip.encode_image(clips[mask].to(device)).float().cpu()
                frames = frames.masked_scatter(mask[..., None], real)
            ids += [videos.video_ids[i] for i in index]
            embeds.append(frames)
            masks.append(mask)
            errors += error
            unreadable += sum(e is not None for e in error)
            encoded += len(index)
            bar.update(len(index))
        shard = {
            "video_ids": ids,
            "embeds": torch.cat(embeds),
            "masks": torch.cat(masks),
            "errors": errors,
        }
        tmp = shard_path(out, k).with_suffix(".tmp")
        torch.save(shard, tmp)
        os.replace(tmp, shard_path(out, k))
    bar.close()
    seconds = time.time() - start
    if unreadable:
        print_log(
            f"precompute_frame_embeds: {unreadable} of {encoded} videos could not be read; they are "
            "recorded in the shards and dropped at training time.",
            logger="current",
            level=logging.WARNING,
        )
    return {
        "out_dir": str(out),
        "num_videos": meta["num_videos"],
        "num_unreadable": unreadable,
        "encoded": encoded,
        "seconds": seconds,
    }
