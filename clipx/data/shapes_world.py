"""Shapes world: synthetic scenes of coloured shapes, their captions, and writers.

The offline default data of clipx. Everything flows from one scene description,
so detection, segmentation and video outputs can later be written from the
same scenes as the image-text data:

* :class:`ShapesWorldConfig`: vocabulary (shapes, colours, sizes), image size,
  object count, seed.
* :func:`sample_scene`: a random :class:`Scene` (background + objects) from a
  ``numpy`` generator.
* :class:`ShapesRenderer`: a :class:`Scene` -> an RGB image and one visible
  mask per object (:func:`mask_to_box` turns a mask into a box).
* :func:`caption_scene` / :func:`caption_variants`: captions from a small
  grammar ("a small red circle above a blue star and a green cross").
* Writers: :func:`write_image_text` (open_clip-style CSV),
  :func:`write_retrieval` (several captions per image) and
  :func:`write_class_folders` (ImageNet layout, one shape per image).

Every image is drawn from its own generator, seeded by
``(cfg.seed, crc32(stream), index)`` where the stream names the writer and the
split (``'image_text/train'``, ``'zeroshot/val'``, ...). Output is therefore
byte-identical for the same seed and config, independent of the number of
worker processes, and different splits never share an image.

CSV files have the columns ``filepath`` and ``title``, comma-separated with
``csv`` quoting; ``filepath`` is relative to the CSV's folder (so a data set
folder can be moved). :class:`clipx.data.image_text.ImageTextDataset` resolves
it that way by default; open_clip's own ``CsvDataset`` opens paths relative to
the working directory, so run it from the CSV's folder with
``--csv-separator ,``.
"""

from __future__ import annotations

import csv
import json
import math
import multiprocessing
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from tqdm import tqdm

# ----------------------------------------------------------------------------
# Vocabulary
# ----------------------------------------------------------------------------

# Base RGB of each colour name; every object gets a jittered shade of it.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (215, 35, 35),
    "green": (40, 165, 60),
    "blue": (35, 75, 215),
    "yellow": (240, 215, 40),
    "purple": (135, 55, 185),
    "orange": (245, 135, 25),
    "white": (245, 245, 245),
    "pink": (245, 135, 190),
    "cyan": (40, 200, 215),
    "brown": (130, 80, 40),
}

DEFAULT_SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "star", "hexagon", "cross")
DEFAULT_COLOURS: tuple[str, ...] = ("red", "green", "blue", "yellow", "purple", "orange")
# Object radius as a fraction of the image side, drawn uniformly from the range.
DEFAULT_SIZES: dict[str, tuple[float, float]] = {"small": (0.09, 0.13), "large": (0.18, 0.25)}
BACKGROUNDS: tuple[str, ...] = ("noise", "gradient", "stripes", "checker")
IMAGE_FORMATS: tuple[str, ...] = ("png", "jpg")

# Every outline fits in a circle of this radius (in units of the object radius);
# placement keeps objects this far from each other and from the border.
_EXTENT = 1.1
_PLACEMENT_TRIES = 30
# A relation is only stated when one axis dominates the offset by this factor.
_RELATION_RATIO = 1.3
_PREFIXES = ("{}", "a photo of {}", "an image of {}", "a picture of {}", "there is {}")


def _regular(n: int, radius: float = 1.0) -> np.ndarray:
    angles = np.deg2rad(-90.0 + 360.0 * np.arange(n) / n)
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _star(points: int = 5, outer: float = 1.05, inner: float = 0.45) -> np.ndarray:
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    angles = np.deg2rad(-90.0 + 180.0 * np.arange(2 * points) / points)
    return radii[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _cross(arm: float = 0.95, half_width: float = 0.32) -> np.ndarray:
    a, w = arm, half_width
    return np.array(
        [
            (-w, -a),
            (w, -a),
            (w, -w),
            (a, -w),
            (a, w),
            (w, w),
            (w, a),
            (-w, a),
            (-w, w),
            (-a, w),
            (-a, -w),
            (-w, -w),
        ]
    )


def _heart(n: int = 64) -> np.ndarray:
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    x = 16.0 * np.sin(t) ** 3
    y = -(13.0 * np.cos(t) - 5.0 * np.cos(2 * t) - 2.0 * np.cos(3 * t) - np.cos(4 * t))
    pts = np.stack([x, y], axis=1)
    pts -= (pts.max(axis=0) + pts.min(axis=0)) / 2.0
    return pts / np.abs(pts).max()


# name -> (unit outline (N, 2) with y pointing down, rotation range in degrees
# either way that keeps the name: a square turned 45 degrees reads as a diamond).
SHAPES: dict[str, tuple[np.ndarray, float]] = {
    "circle": (_regular(48), 0.0),
    "square": (np.array([(-0.78, -0.78), (0.78, -0.78), (0.78, 0.78), (-0.78, 0.78)]), 15.0),
    "triangle": (_regular(3, 1.05), 180.0),
    "star": (_star(), 180.0),
    "hexagon": (_regular(6), 180.0),
    "cross": (_cross(), 15.0),
    "diamond": (np.array([(0.0, -1.05), (0.68, 0.0), (0.0, 1.05), (-0.68, 0.0)]), 15.0),
    "heart": (_heart(), 20.0),
}


# ----------------------------------------------------------------------------
# Config
# ----------------------------------------------------------------------------


def _check_names(field_name: str, names: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        raise TypeError(
            f"ShapesWorldConfig.{field_name} must be a list of names, got the string {names!r}."
        )
    names = tuple(names)
    if not names:
        raise ValueError(
            f"ShapesWorldConfig.{field_name} is empty; pick at least one of {list(known)}."
        )
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(
            f"Unknown {field_name[:-1]} name(s) {unknown} in ShapesWorldConfig.{field_name}. "
            f"Known {field_name}: {list(known)}."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"ShapesWorldConfig.{field_name} lists a name twice: {list(names)}.")
    return names


def _check_sizes(sizes: dict[str, Sequence[float]]) -> dict[str, tuple[float, float]]:
    if not sizes:
        raise ValueError(
            f"ShapesWorldConfig.sizes is empty; give name -> (min, max) radius, e.g. {DEFAULT_SIZES}."
        )
    out = {}
    for name, bounds in sizes.items():
        lo, hi = (float(b) for b in bounds)
        if not (0.0 < lo <= hi <= 0.35):
            raise ValueError(
                f"Size '{name}' has radius range ({lo}, {hi}); it must satisfy 0 < min <= max <= 0.35 "
                "(fractions of the image side)."
            )
        out[str(name)] = (lo, hi)
    return out


@dataclass(frozen=True)
class ShapesWorldConfig:
    """What a shapes world contains.

    Args:
        image_size: side of the square images, in pixels.
        shapes: shape names, from :data:`SHAPES`.
        colours: colour names, from :data:`COLOURS`.
        sizes: size name -> (min, max) object radius as a fraction of
            ``image_size``; the names appear in captions.
        min_objects: fewest objects in a multi-object scene.
        max_objects: most objects in a multi-object scene. Objects that do not
            fit without overlap are dropped (rare with the defaults).
        backgrounds: background kinds, from :data:`BACKGROUNDS`.
        seed: root seed; each image draws from ``(seed, stream, index)``.
        shade_jitter: how far an object's colour strays from its base RGB:
            brightness scaled by up to ``1 - shade_jitter`` and each channel
            moved by up to ``100 * shade_jitter``.
        noise_std: range of the per-image pixel-noise standard deviation.
        supersample: objects are drawn at this many times the resolution and
            box-downsampled, for anti-aliased edges.
        image_format: ``'png'`` (lossless) or ``'jpg'`` (quality 95).
    """

    image_size: int = 64
    shapes: tuple[str, ...] = DEFAULT_SHAPES
    colours: tuple[str, ...] = DEFAULT_COLOURS
    sizes: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_SIZES))
    min_objects: int = 1
    max_objects: int = 3
    backgrounds: tuple[str, ...] = BACKGROUNDS
    seed: int = 0
    shade_jitter: float = 0.12
    noise_std: tuple[float, float] = (2.0, 7.0)
    supersample: int = 4
    image_format: str = "png"

    def __post_init__(self) -> None:
        set_ = partial(object.__setattr__, self)
        if not isinstance(self.image_size, int) or self.image_size < 16:
            raise ValueError(
                f"image_size={self.image_size!r}; use an integer of at least 16 pixels."
            )
        set_("shapes", _check_names("shapes", self.shapes, list(SHAPES)))
        set_("colours", _check_names("colours", self.colours, list(COLOURS)))
        set_("backgrounds", _check_names("backgrounds", self.backgrounds, BACKGROUNDS))
        set_("sizes", _check_sizes(self.sizes))
        num_classes = len(self.shapes) * len(self.colours)
        if not 1 <= self.min_objects <= self.max_objects <= num_classes:
            raise ValueError(
                f"min_objects={self.min_objects}, max_objects={self.max_objects}; need "
                f"1 <= min_objects <= max_objects <= {num_classes} (the number of colour-shape pairs)."
            )
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r}; use a non-negative integer.")
        if not 0.0 <= self.shade_jitter <= 0.5:
            raise ValueError(f"shade_jitter={self.shade_jitter}; use a value in [0, 0.5].")
        lo, hi = (float(v) for v in self.noise_std)
        if not 0.0 <= lo <= hi:
            raise ValueError(
                f"noise_std={self.noise_std}; use a (min, max) range with 0 <= min <= max."
            )
        set_("noise_std", (lo, hi))
        if not isinstance(self.supersample, int) or not 1 <= self.supersample <= 8:
            raise ValueError(f"supersample={self.supersample!r}; use an integer from 1 to 8.")
        if self.image_format not in IMAGE_FORMATS:
            raise ValueError(f"image_format={self.image_format!r}; use one of {IMAGE_FORMATS}.")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists); :meth:`from_dict` reads it back."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ShapesWorldConfig:
        """The inverse of :meth:`to_dict`."""
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(
                f"Unknown ShapesWorldConfig field(s) {unknown}; known: {list(cls.__dataclass_fields__)}."
            )
        kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()}
        if "sizes" in kwargs:
            kwargs["sizes"] = {n: tuple(r) for n, r in kwargs["sizes"].items()}
        return cls(**kwargs)


def class_pairs(cfg: ShapesWorldConfig) -> list[tuple[str, str]]:
    """(colour, shape) of every class, sorted by class name (ImageFolder's label order)."""
    return sorted(((c, s) for c in cfg.colours for s in cfg.shapes), key=lambda p: f"{p[0]} {p[1]}")


def class_names(cfg: ShapesWorldConfig) -> list[str]:
    """Class names ``'<colour> <shape>'``, sorted, so index i is ImageFolder's label i."""
    return [f"{c} {s}" for c, s in class_pairs(cfg)]


# ----------------------------------------------------------------------------
# Scene description and sampler
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShapeObject:
    """One shape in a scene.

    Attributes:
        shape: shape name (a key of :data:`SHAPES`).
        colour: colour name (a key of :data:`COLOURS`).
        size: size name (a key of ``ShapesWorldConfig.sizes``).
        center: (x, y) in pixels, origin top-left, y down.
        radius: radius in pixels; the shape fits in a circle of
            ``1.1 * radius`` around ``center``.
        rotation: degrees, clockwise on screen.
        rgb: the jittered shade actually drawn.
    """

    shape: str
    colour: str
    size: str
    center: tuple[float, float]
    radius: float
    rotation: float
    rgb: tuple[int, int, int]

    @property
    def name(self) -> str:
        """The class phrase, e.g. ``'red circle'``."""
        return f"{self.colour} {self.shape}"


@dataclass(frozen=True)
class Background:
    """A low-contrast, nearly grey background.

    Attributes:
        kind: one of :data:`BACKGROUNDS`.
        colour: main RGB.
        other: second RGB (gradient end, stripe/check colour, noise amplitude).
        angle: gradient/stripe direction in degrees.
        period: stripe period, check size or noise blob size, in pixels.
        seed: seed of the ``'noise'`` kind's blobs.
    """

    kind: str
    colour: tuple[int, int, int]
    other: tuple[int, int, int]
    angle: float
    period: float
    seed: int


@dataclass(frozen=True)
class Scene:
    """Everything needed to draw one image, deterministically.

    Attributes:
        image_size: side in pixels.
        background: the background.
        objects: shapes in drawing order (later ones on top).
        noise_std: standard deviation of the pixel noise added last.
        noise_seed: seed of that noise.
    """

    image_size: int
    background: Background
    objects: tuple[ShapeObject, ...]
    noise_std: float
    noise_seed: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for annotation files)."""
        return asdict(self)


def image_rng(seed: int, stream: str, index: int) -> np.random.Generator:
    """The generator of image ``index`` in ``stream`` (e.g. ``'image_text/train'``)."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode("utf-8")), index])


def _jitter_shade(
    rgb: tuple[int, int, int], jitter: float, rng: np.random.Generator
) -> tuple[int, int, int]:
    brightness = rng.uniform(1.0 - jitter, 1.0)
    shade = np.asarray(rgb, dtype=np.float64) * brightness + rng.uniform(
        -100 * jitter, 100 * jitter, 3
    )
    return tuple(int(v) for v in np.clip(np.rint(shade), 0, 255))


def _sample_background(cfg: ShapesWorldConfig, rng: np.random.Generator) -> Background:
    kind = cfg.backgrounds[int(rng.integers(len(cfg.backgrounds)))]
    base = rng.uniform(50.0, 175.0) + rng.uniform(-12.0, 12.0, 3)
    contrast = rng.uniform(12.0, 35.0) * rng.choice([-1.0, 1.0]) + rng.uniform(-6.0, 6.0, 3)
    other = np.clip(base + contrast, 0, 255)
    scale = cfg.image_size / 64.0
    return Background(
        kind=kind,
        colour=tuple(int(v) for v in np.rint(base)),
        other=tuple(int(v) for v in np.rint(other)),
        angle=float(rng.uniform(0.0, 360.0)),
        period=float(rng.uniform(4.0, 12.0) * scale),
        seed=int(rng.integers(2**31)),
    )


def _fits(center: np.ndarray, radius: float, placed: Sequence[ShapeObject]) -> bool:
    return all(math.dist(center, o.center) > _EXTENT * (radius + o.radius) + 2.0 for o in placed)


def _place(
    cfg: ShapesWorldConfig,
    rng: np.random.Generator,
    colour: str,
    shape: str,
    placed: Sequence[ShapeObject],
) -> ShapeObject | None:
    names = list(cfg.sizes)
    smallest = min(names, key=lambda n: cfg.sizes[n][0])
    for size in dict.fromkeys([names[int(rng.integers(len(names)))], smallest]):
        for _ in range(_PLACEMENT_TRIES):
            radius = rng.uniform(*cfg.sizes[size]) * cfg.image_size
            margin = _EXTENT * radius + 1.0
            center = rng.uniform(margin, cfg.image_size - margin, 2)
            if _fits(center, radius, placed):
                max_rot = SHAPES[shape][1]
                return ShapeObject(
                    shape=shape,
                    colour=colour,
                    size=size,
                    center=(float(center[0]), float(center[1])),
                    radius=float(radius),
                    rotation=float(rng.uniform(-max_rot, max_rot)),
                    rgb=_jitter_shade(COLOURS[colour], cfg.shade_jitter, rng),
                )
    return None


def sample_scene(
    cfg: ShapesWorldConfig,
    rng: np.random.Generator,
    *,
    classes: Sequence[tuple[str, str]] | None = None,
) -> Scene:
    """A random scene.

    Args:
        cfg: the world's vocabulary and sizes.
        rng: the source of randomness (see :func:`image_rng`).
        classes: (colour, shape) pairs to place, in drawing order; by default
            ``min_objects..max_objects`` distinct random pairs.

    Returns:
        The scene. An object that finds no free spot after a few tries at its
        size and at the smallest size is left out, so a scene can hold fewer
        objects than asked for (never fewer than one).
    """
    if classes is None:
        pairs = [(c, s) for c in cfg.colours for s in cfg.shapes]
        count = int(rng.integers(cfg.min_objects, cfg.max_objects + 1))
        classes = [pairs[i] for i in rng.choice(len(pairs), size=count, replace=False)]
    placed: list[ShapeObject] = []
    for colour, shape in classes:
        if colour not in COLOURS or shape not in SHAPES:
            raise ValueError(
                f"Unknown class ({colour!r}, {shape!r}); colours: {list(COLOURS)}, shapes: {list(SHAPES)}."
            )
        obj = _place(cfg, rng, colour, shape, placed)
        if obj is not None:
            placed.append(obj)
    return Scene(
        image_size=cfg.image_size,
        background=_sample_background(cfg, rng),
        objects=tuple(placed),
        noise_std=float(rng.uniform(*cfg.noise_std)),
        noise_seed=int(rng.integers(2**31)),
    )


# ----------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------


def _wave_coordinate(size: int, angle_deg: float) -> np.ndarray:
    """(H, W) distance along direction ``angle_deg``, in pixels."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    a = math.radians(angle_deg)
    return xs * math.cos(a) + ys * math.sin(a)


def _background_mix(bg: Background, size: int) -> np.ndarray:
    """(H, W) weight of ``bg.other``, in [0, 1]."""
    if bg.kind == "gradient":
        t = _wave_coordinate(size, bg.angle)
        return (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    if bg.kind == "stripes":
        t = _wave_coordinate(size, bg.angle)
        return 0.5 + 0.5 * np.tanh(3.0 * np.sin(2.0 * np.pi * t / bg.period))
    if bg.kind == "checker":
        ys, xs = np.mgrid[0:size, 0:size]
        cell = max(bg.period / 2.0, 1.0)
        return ((np.floor(xs / cell) + np.floor(ys / cell)) % 2).astype(np.float32)
    if bg.kind == "noise":
        cells = max(2, int(round(size / bg.period)))
        blobs = np.random.default_rng(bg.seed).uniform(0, 255, (cells, cells)).astype(np.uint8)
        smooth = Image.fromarray(blobs).resize((size, size), Image.Resampling.BICUBIC)
        return np.asarray(smooth, dtype=np.float32) / 255.0
    raise ValueError(f"Unknown background kind {bg.kind!r}; known: {list(BACKGROUNDS)}.")


def draw_background(bg: Background, size: int) -> np.ndarray:
    """The background as (H, W, 3) float32 in [0, 255]."""
    mix = _background_mix(bg, size)[..., None]
    colour = np.asarray(bg.colour, dtype=np.float32)
    other = np.asarray(bg.other, dtype=np.float32)
    return colour + (other - colour) * mix


def outline(obj: ShapeObject) -> np.ndarray:
    """(N, 2) polygon of ``obj`` in pixel coordinates (x, y)."""
    unit = SHAPES[obj.shape][0]
    a = math.radians(obj.rotation)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return unit @ rot.T * obj.radius + np.asarray(obj.center)


def mask_to_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of a (H, W) bool mask, ``x1``/``y1`` exclusive; None if empty."""
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    if ys.size == 0:
        return None
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


class ShapesRenderer:
    """Draws a :class:`Scene`: anti-aliased shapes over the background, plus noise.

    Args:
        supersample: shapes are rasterised at this many times the image size
            and box-downsampled, which gives each pixel its coverage.
    """

    def __init__(self, *, supersample: int = 4) -> None:
        if not isinstance(supersample, int) or supersample < 1:
            raise ValueError(f"supersample={supersample!r}; use a positive integer.")
        self.supersample = supersample

    def coverage(self, obj: ShapeObject, size: int) -> np.ndarray:
        """(H, W) float32 fraction of each pixel that ``obj`` covers, in [0, 1]."""
        ss = self.supersample
        canvas = Image.new("L", (size * ss, size * ss), 0)
        points = [(float(x), float(y)) for x, y in outline(obj) * ss]
        ImageDraw.Draw(canvas).polygon(points, fill=255)
        if ss > 1:
            canvas = canvas.resize((size, size), Image.Resampling.BOX)
        return np.asarray(canvas, dtype=np.float32) / 255.0

    def render(self, scene: Scene) -> tuple[np.ndarray, list[np.ndarray]]:
        """Draw a scene.

        Args:
            scene: what to draw.

        Returns:
            ``image``: (H, W, 3) uint8 RGB. ``masks``: one (H, W) bool mask per
            object, in ``scene.objects`` order: the pixels the object covers at
            least half of and that no later object covers so.
        """
        size = scene.image_size
        canvas = draw_background(scene.background, size)
        alphas = [self.coverage(obj, size) for obj in scene.objects]
        for obj, alpha in zip(scene.objects, alphas, strict=True):
            rgb = np.asarray(obj.rgb, dtype=np.float32)
            canvas += (rgb - canvas) * alpha[..., None]
        noise = np.random.default_rng(scene.noise_seed).standard_normal(
            canvas.shape, dtype=np.float32
        )
        canvas += noise * scene.noise_std
        image = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
        return image, _visible_masks(alphas)


def _visible_masks(alphas: Sequence[np.ndarray]) -> list[np.ndarray]:
    masks: list[np.ndarray] = []
    covered = None
    for alpha in reversed(alphas):
        mask = alpha >= 0.5
        masks.append(mask if covered is None else mask & ~covered)
        covered = mask if covered is None else covered | mask
    return masks[::-1]


# ----------------------------------------------------------------------------
# Captions
# ----------------------------------------------------------------------------


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def object_phrase(obj: ShapeObject, *, with_size: bool) -> str:
    """``'a small red circle'`` (``with_size``) or ``'a red circle'``."""
    words = [obj.size, obj.colour, obj.shape] if with_size else [obj.colour, obj.shape]
    return f"{_article(words[0])} {' '.join(words)}"


def relation(a: ShapeObject, b: ShapeObject) -> str | None:
    """Where ``a`` is relative to ``b``: ``'above'``, ``'below'``, ``'left of'`` or
    ``'right of'``; None when the offset is too diagonal to say."""
    dx = a.center[0] - b.center[0]
    dy = a.center[1] - b.center[1]
    if max(abs(dx), abs(dy)) < _RELATION_RATIO * min(abs(dx), abs(dy)):
        return None
    if abs(dy) > abs(dx):
        return "above" if dy < 0 else "below"
    return "left of" if dx < 0 else "right of"


_PLACES = (
    ("in the top left", "at the top", "in the top right"),
    ("on the left", "in the middle", "on the right"),
    ("in the bottom left", "at the bottom", "in the bottom right"),
)


def place(obj: ShapeObject, image_size: int) -> str:
    """Where ``obj`` is in the image, by thirds: ``'in the top left'``, ``'on the right'``,
    ``'in the middle'``, ..."""
    col, row = (min(int(3 * c / image_size), 2) for c in obj.center)
    return _PLACES[max(row, 0)][max(col, 0)]


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def caption_scene(scene: Scene, rng: np.random.Generator) -> str:
    """One caption of ``scene`` that names every object's colour and shape.

    Objects are listed in random order, each with its size word half of the
    time; when the first two are clearly apart, the first is placed relative
    to the second ("a red circle above a blue star and a green cross").
    Otherwise, half of the time, the last object says where it is in the
    image ("a blue star and a green cross on the left"), so the model learns
    absolute position words too.
    """
    objects = [scene.objects[i] for i in rng.permutation(len(scene.objects))]
    phrases = [object_phrase(o, with_size=bool(rng.random() < 0.5)) for o in objects]
    use_relation = bool(rng.random() < 0.75)
    rel = relation(objects[0], objects[1]) if len(objects) > 1 and use_relation else None
    if rel is None and rng.random() < 0.5:
        phrases[-1] = f"{phrases[-1]} {place(objects[-1], scene.image_size)}"
    parts = [f"{phrases[0]} {rel} {phrases[1]}", *phrases[2:]] if rel else phrases
    return _PREFIXES[int(rng.integers(len(_PREFIXES)))].format(_join(parts))


def caption_variants(scene: Scene, rng: np.random.Generator, num: int) -> list[str]:
    """Up to ``num`` distinct captions of ``scene`` (fewer only if the grammar runs out)."""
    captions: dict[str, None] = {}
    for _ in range(10 * num):
        captions[caption_scene(scene, rng)] = None
        if len(captions) == num:
            break
    return list(captions)


# ----------------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------------


def _save_image(image: np.ndarray, path: Path, image_format: str) -> None:
    pil = Image.fromarray(image)
    if image_format == "jpg":
        pil.save(path, format="JPEG", quality=95)
    else:
        pil.save(path, format="PNG")


def _draw(
    cfg: ShapesWorldConfig,
    rng: np.random.Generator,
    classes: Sequence[tuple[str, str]] | None = None,
) -> tuple[Scene, np.ndarray]:
    scene = sample_scene(cfg, rng, classes=classes)
    image, _ = ShapesRenderer(supersample=cfg.supersample).render(scene)
    return scene, image


def _captioned_item(
    index: int, *, cfg: ShapesWorldConfig, stream: str, out_dir: Path, split: str, captions: int
) -> list[tuple[str, str]]:
    rng = image_rng(cfg.seed, stream, index)
    scene, image = _draw(cfg, rng)
    rel = f"{split}/{index:06d}.{cfg.image_format}"
    _save_image(image, out_dir / rel, cfg.image_format)
    return [(rel, c) for c in caption_variants(scene, rng, captions)]


def _class_item(
    index: int, *, cfg: ShapesWorldConfig, stream: str, folder: Path, per_class: int
) -> None:
    colour, shape = class_pairs(cfg)[index // per_class]
    _, image = _draw(cfg, image_rng(cfg.seed, stream, index), classes=[(colour, shape)])
    _save_image(
        image, folder / f"{colour} {shape}" / f"{index:06d}.{cfg.image_format}", cfg.image_format
    )


def _map(
    fn: Callable[[int], Any], count: int, *, num_workers: int, progress: bool, desc: str
) -> list[Any]:
    """``[fn(i) for i in range(count)]``, in order, over ``num_workers`` processes."""
    bar = partial(tqdm, total=count, desc=desc, unit="img", disable=not progress, leave=False)
    if num_workers <= 1 or count < 256:  # a pool costs more than it saves on small writes
        return [fn(i) for i in bar(range(count))]
    # fork: workers need only numpy and PIL, and re-importing clipx (torch) in
    # each spawned worker costs seconds.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ctx.Pool(num_workers) as pool:
        return list(bar(pool.imap(fn, range(count), chunksize=64)))


def _write_csv(path: Path, rows: Sequence[tuple[str, str]]) -> None:
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["filepath", "title"])
        writer.writerows(rows)
    os.replace(tmp, path)


def _check_count(name: str, value: int) -> None:
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={value!r}; use a positive integer.")


def write_image_text(
    out_dir: str | os.PathLike,
    num_images: int,
    cfg: ShapesWorldConfig,
    *,
    split: str = "train",
    num_workers: int = 1,
    progress: bool = True,
) -> Path:
    """Write ``num_images`` captioned multi-object images for contrastive pretraining.

    Layout: ``out_dir/<split>.csv`` (``filepath,title``, one row per image,
    ``filepath`` relative to ``out_dir``) and ``out_dir/<split>/<index>.png``.

    Args:
        out_dir: destination folder (created).
        num_images: how many images.
        cfg: the world.
        split: split name; also picks the seed stream (``'image_text/<split>'``).
        num_workers: processes drawing images; the output does not depend on it.
        progress: show a progress bar.

    Returns:
        Path of the CSV.
    """
    return _write_captioned(
        out_dir,
        num_images,
        cfg,
        split=split,
        stream=f"image_text/{split}",
        captions=1,
        num_workers=num_workers,
        progress=progress,
    )


def write_retrieval(
    out_dir: str | os.PathLike,
    num_images: int,
    cfg: ShapesWorldConfig,
    *,
    split: str = "test",
    captions_per_image: int = 3,
    num_workers: int = 1,
    progress: bool = True,
) -> Path:
    """Write held-out images with several captions each, for retrieval evaluation.

    Same layout as :func:`write_image_text`, with one CSV row per
    (image, caption): an image's ``filepath`` repeats on consecutive rows.
    Images come from the ``'retrieval/<split>'`` seed stream, so they differ
    from every pretraining split.

    Returns:
        Path of the CSV.
    """
    _check_count("captions_per_image", captions_per_image)
    return _write_captioned(
        out_dir,
        num_images,
        cfg,
        split=split,
        stream=f"retrieval/{split}",
        captions=captions_per_image,
        num_workers=num_workers,
        progress=progress,
    )


def _write_captioned(
    out_dir: str | os.PathLike,
    num_images: int,
    cfg: ShapesWorldConfig,
    *,
    split: str,
    stream: str,
    captions: int,
    num_workers: int,
    progress: bool,
) -> Path:
    _check_count("num_images", num_images)
    out = Path(out_dir)
    (out / split).mkdir(parents=True, exist_ok=True)
    fn = partial(
        _captioned_item, cfg=cfg, stream=stream, out_dir=out, split=split, captions=captions
    )
    rows = _map(fn, num_images, num_workers=num_workers, progress=progress, desc=stream)
    csv_path = out / f"{split}.csv"
    _write_csv(csv_path, [row for item in rows for row in item])
    return csv_path


def write_class_folders(
    out_dir: str | os.PathLike,
    images_per_class: int,
    cfg: ShapesWorldConfig,
    *,
    split: str = "val",
    num_workers: int = 1,
    progress: bool = True,
) -> Path:
    """Write a zero-shot classification split in ImageNet (ImageFolder) layout.

    Layout: ``out_dir/<split>/<colour> <shape>/<index>.png``, exactly one shape
    per image, ``images_per_class`` images for each colour x shape class, and
    ``out_dir/classes.txt`` with the class names one per line in sorted order,
    which is the label order ``torchvision.datasets.ImageFolder`` assigns.

    Returns:
        The split folder (the ImageFolder root).
    """
    _check_count("images_per_class", images_per_class)
    out = Path(out_dir)
    folder = out / split
    names = class_names(cfg)
    for name in names:
        (folder / name).mkdir(parents=True, exist_ok=True)
    (out / "classes.txt").write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    stream = f"zeroshot/{split}"
    fn = partial(_class_item, cfg=cfg, stream=stream, folder=folder, per_class=images_per_class)
    _map(fn, len(names) * images_per_class, num_workers=num_workers, progress=progress, desc=stream)
    return folder


def read_caption_csv(csv_path: str | os.PathLike) -> list[tuple[Path, str]]:
    """(image path, caption) rows of a shapes-world CSV, paths resolved against its folder."""
    path = Path(csv_path)
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [(path.parent / r["filepath"], r["title"]) for r in rows]
