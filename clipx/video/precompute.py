"""Encode a video dataset's frames once with a frozen CLIP (see :mod:`clipx.video.features`)."""

from __future__ import annotations

import os
import time

import torch
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from clipx.backbone import FrozenCLIP
from clipx.backbone.feature_cache import FeatureCache, backbone_identity

from .data import VideoCaptionsBase
from .features import FORMAT_VERSION, frame_cache, shard_name, video_ids_digest


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
    from the same videos (:class:`~clipx.backbone.feature_cache.FeatureCache`);
    ``overwrite=True`` deletes its shards and metadata first.

    Args:
        clip: the frozen backbone (its device and precision are used).
        videos: a video dataset (``VideoTextPairs``/``VideoTextDataset``);
            build it with ``on_error='empty'`` so every annotated video keeps
            its place.
        out_dir: the feature folder.
        batch_size: clips per forward.
        num_workers: decoding processes.
        shard_size: videos per shard file.
        overwrite: delete the folder's shards and ``meta.json`` first.
        progress: show a progress bar.

    Returns:
        ``{"out_dir", "num_videos", "num_unreadable", "encoded", "seconds"}``.
    """
    if videos.on_error != "empty":
        raise ValueError(
            "Build the video dataset with on_error='empty' for the precompute: every annotated video "
            "must keep its place (unreadable ones are recorded and dropped at training time)."
        )
    num_videos = len(videos.video_ids)
    cache = frame_cache(out_dir)
    cache.start(
        {
            "format": FORMAT_VERSION,
            "backbone": backbone_identity(clip),
            "num_frames": videos.num_frames,
            "sampling": videos.sampling,
            "target_fps": videos.target_fps,
            "video_ids_sha1": video_ids_digest(videos.video_ids),
            "num_videos": num_videos,
            "shard_size": int(shard_size),
            "embed_dim": clip.embed_dim,
        },
        overwrite=overwrite,
    )
    shards = [
        list(range(k * shard_size, min((k + 1) * shard_size, num_videos)))
        for k in range(-(-num_videos // shard_size))
    ]
    todo = [k for k in range(len(shards)) if not cache.done(shard_name(k))]
    start, encoded = time.time(), 0
    bar = tqdm(
        total=sum(len(shards[k]) for k in todo),
        desc="frame embeddings",
        unit="clip",
        disable=not progress,
    )
    try:
        for k in todo:
            shard = _encode_shard(clip, videos, shards[k], cache, batch_size, num_workers, bar)
            cache.save(shard_name(k), lambda tmp, shard=shard: torch.save(shard, tmp))
            encoded += len(shards[k])
    finally:
        bar.close()
        cache.finish(attempted=[videos.video_ids[i] for k in todo for i in shards[k]])
    return {
        "out_dir": str(cache.folder),
        "num_videos": num_videos,
        "num_unreadable": len(cache.skipped),
        "encoded": encoded,
        "seconds": time.time() - start,
    }


def _encode_shard(
    clip: FrozenCLIP,
    videos: VideoCaptionsBase,
    indices: list[int],
    cache: FeatureCache,
    batch_size: int,
    num_workers: int,
    bar: tqdm,
) -> dict:
    """The shard of the videos ``indices``; unreadable ones are recorded with ``cache.skip``."""
    loader = DataLoader(
        _Clips(videos, indices), batch_size=batch_size, num_workers=num_workers, collate_fn=_collate
    )
    ids, embeds, masks, errors = [], [], [], []
    for index, clips, mask, error in loader:
        frames = torch.zeros(*mask.shape, clip.embed_dim)
        if mask.any():
            real = clip.encode_image(clips[mask].to(clip.device)).float().cpu()
            frames = frames.masked_scatter(mask[..., None], real)
        ids += [videos.video_ids[i] for i in index]
        embeds.append(frames)
        masks.append(mask)
        errors += error
        for i, e in zip(index, error, strict=True):
            if e is not None:
                cache.skip(videos.video_ids[i], e)
        bar.update(len(index))
    return {
        "video_ids": ids,
        "embeds": torch.cat(embeds),
        "masks": torch.cat(masks),
        "errors": errors,
    }
