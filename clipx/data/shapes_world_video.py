"""Shapes-world videos: short clips of shapes moving left, right, up or down.

Clips reuse the image world (:mod:`clipx.data.shapes_world`): one
:class:`~clipx.data.shapes_world.Scene` gives the look of a clip (background,
objects' colour, shape, size, rotation, shade, pixel noise) and each object
gets a straight :class:`Motion` along one axis. Frame ``f`` is the scene with
every object moved ``f / (T - 1)`` of the way, drawn by
:class:`~clipx.data.shapes_world.ShapesRenderer`; the pixel noise is the same
in every frame, so a clip and its time reversal hold the same frames.

Two caption sets describe the same clips:

* ``static``: colour and shape ("a red circle and a small blue square");
* ``motion``: the same with each object's direction ("a red circle moving
  left and a small blue square moving up").

Clips are written in groups (``group_size``): the members of a group share
their look and differ only in the motions, in pairs that are each other's time
reversal (the circle going left from x=40 to x=20 versus right from 20 to 40),
then with the other axis. Static captions cannot tell the members of a group
apart and an order-blind model (mean pooling) cannot tell a pair apart; a
group size of 1 gives independent clips.

Layout, MSR-VTT-style (read by :class:`clipx.data.video.VideoTextDataset`)::

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

import json
import math
import os
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .shapes_world import (
    _EXTENT,
    Scene,
    ShapeObject,
    ShapesRenderer,
    ShapesWorldConfig,
    _join,
    _map,
    image_rng,
    object_phrase,
    sample_scene,
)
from .video import write_video_csv

DIRECTIONS: dict[str, tuple[int, int]] = {
    "left": (-1, 0),
    "right": (1, 0),
    "up": (0, -1),
    "down": (0, 1),
}
_OPPOSITE = {"left": "right", "right": "left", "up": "down", "down": "up"}
_AXES = {"horizontal": ("left", "right"), "vertical": ("up", "down")}
CAPTION_SETS = ("static", "motion")
_PREFIXES = ("{}", "a video of {}", "a clip of {}", "footage of {}")
_MOTION_FORMS = ("{} moving {}", "{} that moves {}", "{} going {}")
_PLACEMENT_TRIES = 30


@dataclass(frozen=True)
class VideoWorldConfig:
    """What a shapes-world video set contains.

    Args:
        world: the image world (size, vocabulary, objects per clip, seed).
        num_frames: frames per clip (16-32 is plenty for 64 px).
        fps: frame rate written into the mp4.
        travel: (min, max) distance an object covers over the clip, as a
            fraction of the image side (less when the object is too large to
            go that far).
        captions_per_video: distinct captions per clip and caption set.
    """

    world: ShapesWorldConfig = field(default_factory=lambda: ShapesWorldConfig(max_objects=2))
    num_frames: int = 24
    fps: int = 8
    travel: tuple[float, float] = (0.3, 0.5)
    captions_per_video: int = 3

    def __post_init__(self) -> None:
        if not isinstance(self.num_frames, int) or not 2 <= self.num_frames <= 256:
            raise ValueError(f"num_frames={self.num_frames!r}; use an integer from 2 to 256.")
        if not isinstance(self.fps, int) or self.fps < 1:
            raise ValueError(f"fps={self.fps!r}; use a positive integer.")
        lo, hi = (float(t) for t in self.travel)
        if not 0.0 < lo <= hi <= 1.0:
            raise ValueError(f"travel={self.travel}; use (min, max) with 0 < min <= max <= 1.")
        object.__setattr__(self, "travel", (lo, hi))
        if not isinstance(self.captions_per_video, int) or self.captions_per_video < 1:
            raise ValueError(
                f"captions_per_video={self.captions_per_video!r}; use a positive integer."
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reads it back."""
        d = json.loads(json.dumps(asdict(self)))
        d["world"] = self.world.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VideoWorldConfig:
        d = dict(d)
        world = ShapesWorldConfig.from_dict(d.pop("world", {}))
        if "travel" in d:
            d["travel"] = tuple(d["travel"])
        return cls(world=world, **d)


@dataclass(frozen=True)
class Motion:
    """A straight move along one axis.

    Attributes:
        direction: a key of :data:`DIRECTIONS`.
        start: (x, y) centre in the first frame, pixels.
        travel: distance covered by the last frame, pixels.
    """

    direction: str
    start: tuple[float, float]
    travel: float

    def center_at(self, progress: float) -> tuple[float, float]:
        """Centre after ``progress`` (0 = first frame, 1 = last) of the clip."""
        dx, dy = DIRECTIONS[self.direction]
        return (
            self.start[0] + dx * self.travel * progress,
            self.start[1] + dy * self.travel * progress,
        )

    def reversed(self) -> Motion:
        """The same path walked backwards."""
        return Motion(_OPPOSITE[self.direction], self.center_at(1.0), self.travel)


@dataclass(frozen=True)
class MovingScene:
    """A clip: the look (a :class:`Scene`, object centres unused) and one motion per object."""

    scene: Scene
    motions: tuple[Motion, ...]

    def frame(self, index: int, num_frames: int) -> Scene:
        """The scene of frame ``index`` of ``num_frames``."""
        progress = index / max(num_frames - 1, 1)
        objects = tuple(
            replace(obj, center=m.center_at(progress))
            for obj, m in zip(self.scene.objects, self.motions, strict=True)
        )
        return replace(self.scene, objects=objects)

    def reversed(self) -> MovingScene:
        """The clip played backwards (opposite directions, same frames)."""
        return MovingScene(self.scene, tuple(m.reversed() for m in self.motions))

    def to_dict(self) -> dict[str, Any]:
        return {
            "objects": [
                {
                    "colour": o.colour,
                    "shape": o.shape,
                    "size": o.size,
                    "direction": m.direction,
                    "start": list(m.start),
                    "travel": m.travel,
                }
                for o, m in zip(self.scene.objects, self.motions, strict=True)
            ]
        }


def _apart(a: Motion, ra: float, b: Motion, rb: float) -> bool:
    return all(
        math.dist(a.center_at(t), b.center_at(t)) > _EXTENT * (ra + rb) + 2.0
        for t in np.linspace(0, 1, 9)
    )


def _sample_motion(
    cfg: VideoWorldConfig, rng: np.random.Generator, obj: ShapeObject, axis: str, placed: list
) -> Motion:
    size = cfg.world.image_size
    margin = _EXTENT * obj.radius + 1.0
    room = max(size - 2 * margin, 0.0)
    motion = None
    for _ in range(_PLACEMENT_TRIES):
        direction = _AXES[axis][int(rng.integers(2))]
        travel = min(rng.uniform(*cfg.travel) * size, room)
        low = margin + rng.uniform(0.0, max(room - travel, 0.0))  # the path covers [low, low + travel]
        across = rng.uniform(margin, size - margin)
        dx, dy = DIRECTIONS[direction]
        along = low if dx + dy > 0 else low + travel
        start = (along, across) if axis == "horizontal" else (across, along)
        motion = Motion(direction, (float(start[0]), float(start[1])), float(travel))
        if all(_apart(motion, obj.radius, m, r) for m, r in placed):
            break
    return motion


def _sample_motions(
    cfg: VideoWorldConfig, rng: np.random.Generator, look: Scene, axes: list[str]
) -> MovingScene:
    placed: list[tuple[Motion, float]] = []
    for obj, axis in zip(look.objects, axes, strict=True):
        placed.append((_sample_motion(cfg, rng, obj, axis, placed), obj.radius))
    return MovingScene(look, tuple(m for m, _ in placed))


def sample_group(
    cfg: VideoWorldConfig, rng: np.random.Generator, group_size: int
) -> list[MovingScene]:
    """``group_size`` clips with one look that differ only in their motions.

    Members come in time-reversed pairs; the second pair moves every object
    along the other axis; further pairs draw axes at random.
    """
    look = sample_scene(cfg.world, rng)
    axes = [("horizontal", "vertical")[int(rng.integers(2))] for _ in look.objects]
    clips: list[MovingScene] = []
    for pair in range((group_size + 1) // 2):
        if pair == 1:
            axes = ["vertical" if a == "horizontal" else "horizontal" for a in axes]
        elif pair > 1:
            axes = [("horizontal", "vertical")[int(rng.integers(2))] for _ in look.objects]
        forward = _sample_motions(cfg, rng, look, axes)
        clips += [forward, forward.reversed()]
    return clips[:group_size]


def render_clip(clip: MovingScene, num_frames: int, *, supersample: int = 4) -> np.ndarray:
    """(T, H, W, 3) uint8 RGB frames."""
    renderer = ShapesRenderer(supersample=supersample)
    return np.stack([renderer.render(clip.frame(f, num_frames))[0] for f in range(num_frames)])


def caption_clip(clip: MovingScene, rng: np.random.Generator, *, motion: bool) -> str:
    """One caption naming every object's colour and shape (and direction, with ``motion``)."""
    phrases = []
    for i in rng.permutation(len(clip.motions)):
        phrase = object_phrase(clip.scene.objects[i], with_size=bool(rng.random() < 0.5))
        if motion:
            form = _MOTION_FORMS[int(rng.integers(len(_MOTION_FORMS)))]
            phrase = form.format(phrase, clip.motions[i].direction)
        phrases.append(phrase)
    return _PREFIXES[int(rng.integers(len(_PREFIXES)))].format(_join(phrases))


def caption_variants(
    clip: MovingScene, rng: np.random.Generator, num: int, *, motion: bool
) -> list[str]:
    """Up to ``num`` distinct captions (fewer only if the grammar runs out)."""
    captions: dict[str, None] = {}
    for _ in range(10 * num):
        captions[caption_clip(clip, rng, motion=motion)] = None
        if len(captions) == num:
            break
    return list(captions)


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
                    s: caption_variants(clip, rng, cfg.captions_per_video, motion=s == "motion")
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
        for rs in _map(
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
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
