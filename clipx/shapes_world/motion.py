"""Clips of the shapes world: one scene's look, each object moving straight along one axis.

One :class:`~clipx.shapes_world.scene.Scene` gives the look of a clip
(background, objects' colour, shape, size, rotation, shade, pixel noise) and
each object gets a straight :class:`Motion`. Frame ``f`` is the scene with
every object moved ``f / (T - 1)`` of the way (:meth:`MovingScene.frame`),
drawn by :class:`~clipx.shapes_world.render.ShapesRenderer`; the pixel noise is
the same in every frame, so a clip and its time reversal hold the same frames.

:func:`sample_group` draws clips that share their look and differ only in the
motions, in pairs that are each other's time reversal, then with the other
axis: static captions cannot tell the members of a group apart and an
order-blind model cannot tell a pair apart.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from .config import ShapesWorldConfig
from .render import ShapesRenderer
from .scene import PLACEMENT_TRIES, Scene, ShapeObject, border_margin, min_distance, sample_scene

DIRECTIONS: dict[str, tuple[int, int]] = {
    "left": (-1, 0),
    "right": (1, 0),
    "up": (0, -1),
    "down": (0, 1),
}
_OPPOSITE = {"left": "right", "right": "left", "up": "down", "down": "up"}
_AXES = {"horizontal": ("left", "right"), "vertical": ("up", "down")}


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
        """The inverse of :meth:`to_dict`."""
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
        """Per object: colour, shape, size, direction, start and travel (for ``*_clips.json``)."""
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
        math.dist(a.center_at(t), b.center_at(t)) > min_distance(ra, rb)
        for t in np.linspace(0, 1, 9)
    )


def _sample_motion(
    cfg: VideoWorldConfig, rng: np.random.Generator, obj: ShapeObject, axis: str, placed: list
) -> Motion:
    size = cfg.world.image_size
    margin = border_margin(obj.radius)
    room = max(size - 2 * margin, 0.0)
    motion = None
    for _ in range(PLACEMENT_TRIES):
        direction = _AXES[axis][int(rng.integers(2))]
        travel = min(rng.uniform(*cfg.travel) * size, room)
        low = margin + rng.uniform(
            0.0, max(room - travel, 0.0)
        )  # the path covers [low, low + travel]
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
