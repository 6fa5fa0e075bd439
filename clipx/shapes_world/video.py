"""Shapes-world videos for text-video retrieval, in MSR-VTT's layout.

Clips come from :mod:`clipx.shapes_world.motion` (one look, straight motions,
groups of time-reversed twins) and their captions from
:func:`~clipx.shapes_world.captions.caption_clip`, in two caption sets over
the same clips:

* ``static``: colour and shape ("a red circle and a small blue square");
* ``motion``: the same with each object's direction ("a red circle moving
  left and a small blue square moving up").

Layout, MSR-VTT-style (read by :class:`clipx.video.VideoTextDataset`)::

    videos/<split>_<index>.mp4            T frames, mp4v, --fps
    annotations/<split>_<set>.json        {"videos": [...], "sentences": [{"video_id", "caption", "sen_id"}]}
    annotations/<split>_<set>.csv         key,vid_key,video_id,sentence (the 1k-A layout), a row per caption
    annotations/<split>_clips.json        per clip: group, objects with colour, shape, size, direction
    annotations/<split>_reversal_pairs.json  [[a, b], ...] clips that are each other's time reversal

Every group draws from its own generator, ``image_rng(seed, 'video/<split>',
group)`` (captions from ``'video/<split>/captions'``), so the output does not
depend on the number of worker processes.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .captions import clip_caption_variants
from .motion import VideoWorldConfig, render_clip, sample_group
from .output import atomic_write, parallel_map
from .scene import image_rng

CAPTION_SETS = ("static", "motion")


def write_mp4(path: str | os.PathLike, frames: np.ndarray, fps: int) -> Path:
    """Write (T, H, W, 3) uint8 RGB frames as an mp4v mp4 (atomically: a temporary file, then renamed)."""
    try:
        import cv2
    except ImportError as err:  # pragma: no cover - opencv is installed with the dev tools
        raise ImportError(
            "Writing videos needs OpenCV: pip install opencv-python-headless."
        ) from err
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp.mp4")
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), (width, height))
    if not writer.isOpened():
        raise RuntimeError(
            f"OpenCV cannot open an mp4v writer for '{tmp}'; is OpenCV built with FFmpeg?"
        )
    try:
        for frame in frames:
            writer.write(np.ascontiguousarray(frame[..., ::-1]))  # OpenCV wants BGR
    finally:
        writer.release()
    os.replace(tmp, path)
    return path


def _write_group(
    group: int,
    *,
    cfg: VideoWorldConfig,
    split: str,
    group_size: int,
    num_clips: int,
    video_dir: Path,
) -> list[dict]:
    clips = sample_group(cfg, image_rng(cfg.world.seed, f"video/{split}", group), group_size)
    records = []
    for member, clip in enumerate(clips):
        index = group * group_size + member
        if index >= num_clips:
            break
        video_id = f"{split}_{index:06d}"
        write_mp4(
            video_dir / f"{video_id}.mp4",
            render_clip(clip, cfg.num_frames, supersample=cfg.world.supersample),
            cfg.fps,
        )
        rng = image_rng(cfg.world.seed, f"video/{split}/captions", index)
        records.append(
            {
                "video_id": video_id,
                "group": group,
                **clip.to_dict(),
                **{
                    s: clip_caption_variants(
                        clip, rng, cfg.captions_per_video, motion=s == "motion"
                    )
                    for s in CAPTION_SETS
                },
            }
        )
    return records


def write_video_split(
    out_dir: str | os.PathLike,
    split: str,
    num_clips: int,
    cfg: VideoWorldConfig,
    *,
    group_size: int = 1,
    num_workers: int = 1,
    progress: bool = True,
) -> dict[str, Path]:
    """Write ``num_clips`` clips of ``split`` and their annotations (see the module docstring).

    Returns:
        Paths written, by name: ``'<set>_json'``, ``'<set>_csv'`` for each
        caption set, ``'clips'`` and, for groups of 2 or more,
        ``'reversal_pairs'``.
    """
    if not isinstance(num_clips, int) or num_clips < 1:
        raise ValueError(f"num_clips={num_clips!r}; use a positive integer.")
    if not isinstance(group_size, int) or group_size < 1:
        raise ValueError(
            f"group_size={group_size!r}; use a positive integer (1: independent clips)."
        )
    out = Path(out_dir)
    video_dir, ann_dir = out / "videos", out / "annotations"
    video_dir.mkdir(parents=True, exist_ok=True)
    ann_dir.mkdir(parents=True, exist_ok=True)
    fn = partial(
        _write_group,
        cfg=cfg,
        split=split,
        group_size=group_size,
        num_clips=num_clips,
        video_dir=video_dir,
    )
    groups = -(-num_clips // group_size)
    records = [
        r
        for rs in parallel_map(
            fn, groups, num_workers=num_workers, progress=progress, desc=f"video/{split}"
        )
        for r in rs
    ]
    written: dict[str, Path] = {}
    for caption_set in CAPTION_SETS:
        pairs = [(r["video_id"], c) for r in records for c in r[caption_set]]
        data = {
            "videos": [{"video_id": r["video_id"], "split": split} for r in records],
            "sentences": [
                {"video_id": v, "caption": c, "sen_id": n} for n, (v, c) in enumerate(pairs)
            ],
        }
        written[f"{caption_set}_json"] = _write_json(ann_dir / f"{split}_{caption_set}.json", data)
        written[f"{caption_set}_csv"] = write_video_csv(
            ann_dir / f"{split}_{caption_set}.csv", pairs
        )
    written["clips"] = _write_json(ann_dir / f"{split}_clips.json", records)
    if group_size > 1:
        written["reversal_pairs"] = _write_json(
            ann_dir / f"{split}_reversal_pairs.json", reversal_pairs(records, group_size)
        )
    return written


def reversal_pairs(records: list[dict], group_size: int) -> list[list[str]]:
    """``[[a, b], ...]``: video ids of clips that are each other's time reversal.

    Members ``2k`` and ``2k + 1`` of a group are reversed twins (:func:`sample_group`).
    """
    by_index = {int(r["video_id"].rsplit("_", 1)[1]): r["video_id"] for r in records}
    pairs = []
    for index, video_id in sorted(by_index.items()):
        member = index % group_size
        if member % 2 == 0 and member + 1 < group_size and index + 1 in by_index:
            pairs.append([video_id, by_index[index + 1]])
    return pairs


def _write_json(path: Path, data: Any) -> Path:
    with atomic_write(path) as f:
        f.write(json.dumps(data, indent=1) + "\n")
    return path


def write_video_csv(path: str | os.PathLike, rows: Sequence[tuple[str, str]]) -> Path:
    """Write (video_id, caption) rows in MSR-VTT's 1k-A layout ``key,vid_key,video_id,sentence``."""
    path = Path(path)
    with atomic_write(path, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["key", "vid_key", "video_id", "sentence"])
        for n, (video_id, caption) in enumerate(rows):
            writer.writerow([f"ret{n}", video_id, video_id, caption])
    return path
