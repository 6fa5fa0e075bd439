"""Scene descriptions and the random scene sampler of the shapes world.

A :class:`Scene` (background + :class:`ShapeObject` list + pixel noise + a
:class:`Style`) holds
everything needed to draw one image deterministically; :func:`sample_scene`
draws one from a ``numpy`` generator, and :func:`image_rng` gives every image
its own generator, seeded by ``(seed, crc32(stream), index)``, so output does
not depend on the order or the process images are drawn in.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .config import ShapesWorldConfig
from .vocabulary import COLOURS, PROPORTIONS, SHAPE_EXTENT, SHAPES

# How often placement tries a random spot before giving up on an object (or a motion).
PLACEMENT_TRIES = 30


@dataclass(frozen=True)
class ShapeObject:
    """One shape in a scene.

    Attributes:
        shape: shape name (a key of :data:`SHAPES`).
        colour: colour name (a key of :data:`COLOURS`).
        size: size name (a key of ``ShapesWorldConfig.sizes``).
        center: (x, y) in pixels, origin top-left, y down.
        radius: radius in pixels; the shape fits in a circle of
            ``SHAPE_EXTENT * radius`` around ``center``.
        rotation: degrees, clockwise on screen.
        rgb: the jittered shade actually drawn.
        fill: how it is filled, one of
            :data:`~clipx.shapes_world.vocabulary.FILLS`.
        fill_amount: the fill's strength: rim brightness factor
            (``'outlined'``), ramp or speckle amplitude as a fraction of the
            shade (``'shaded'``, ``'textured'``); unused for ``'solid'``.
        fill_angle: direction of the ``'shaded'`` ramp, in degrees.
        proportion: a star's notch radius or a cross's bar half-width (see
            :data:`~clipx.shapes_world.vocabulary.PROPORTIONS`); 0 is the
            standard outline.
    """

    shape: str
    colour: str
    size: str
    center: tuple[float, float]
    radius: float
    rotation: float
    rgb: tuple[int, int, int]
    fill: str = "solid"
    fill_amount: float = 0.0
    fill_angle: float = 0.0
    proportion: float = 0.0

    @property
    def name(self) -> str:
        """The class phrase, e.g. ``'red circle'``."""
        return f"{self.colour} {self.shape}"


@dataclass(frozen=True)
class Background:
    """A background: a muted main colour, a second one, and a pattern between them.

    Attributes:
        kind: one of :data:`~clipx.shapes_world.vocabulary.BACKGROUNDS`.
        colour: main RGB.
        other: second RGB (gradient end, stripe/check/blob colour).
        angle: gradient/stripe direction in degrees.
        period: stripe period, check size or blob size, in pixels.
        seed: seed of the random kinds (blobs, texture, per-pixel noise).
        amplitude: standard deviation of the ``'grey_noise'`` /
            ``'colour_noise'`` kinds, in grey levels.
    """

    kind: str
    colour: tuple[int, int, int]
    other: tuple[int, int, int]
    angle: float
    period: float
    seed: int
    amplitude: float = 0.0


@dataclass(frozen=True)
class Style:
    """How a scene is drawn where its captions say nothing; the default is the plain look.

    Attributes:
        antialias: objects drawn with coverage-weighted edges (else hard edges).
        blur: Gaussian blur sigma in pixels applied to the finished image (0: none).
        jpeg_quality: the image passes through JPEG at this quality (0: not).
        clutter: how many non-shape marks (lines, arcs, dots) lie behind the objects.
        seed: seed of the clutter and of ``'textured'`` fills.
    """

    antialias: bool = True
    blur: float = 0.0
    jpeg_quality: int = 0
    clutter: int = 0
    seed: int = 0


@dataclass(frozen=True)
class Scene:
    """Everything needed to draw one image, deterministically.

    Attributes:
        image_size: side in pixels.
        background: the background.
        objects: shapes in drawing order (later ones on top).
        noise_std: standard deviation of the pixel noise added last.
        noise_seed: seed of that noise.
        style: edges, blur, compression and clutter.
    """

    image_size: int
    background: Background
    objects: tuple[ShapeObject, ...]
    noise_std: float
    noise_seed: int
    style: Style = Style()

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
    base = rng.uniform(50.0, 175.0) + rng.uniform(-cfg.tint, cfg.tint, 3)
    contrast = rng.uniform(*cfg.contrast) * rng.choice([-1.0, 1.0]) + rng.uniform(-6.0, 6.0, 3)
    other = np.clip(base + contrast, 0, 255)
    scale = cfg.image_size / 64.0
    return Background(
        kind=kind,
        colour=tuple(int(v) for v in np.clip(np.rint(base), 0, 255)),
        other=tuple(int(v) for v in np.rint(other)),
        angle=float(rng.uniform(0.0, 360.0)),
        period=float(rng.uniform(4.0, 12.0) * scale),
        seed=int(rng.integers(2**31)),
        amplitude=float(rng.uniform(12.0, 55.0)) if kind.endswith("_noise") else 0.0,
    )


def _sample_style(cfg: ShapesWorldConfig, rng: np.random.Generator) -> Style:
    if cfg.aliased == cfg.blur == cfg.jpeg == cfg.clutter == 0.0:
        return Style()  # draws nothing: the plain world's random stream is clipx's earlier one
    draws = rng.random(4)
    scale = cfg.image_size / 64.0
    return Style(
        antialias=bool(draws[0] >= cfg.aliased),
        blur=float(rng.uniform(0.3, 0.8) * scale) if draws[1] < cfg.blur else 0.0,
        jpeg_quality=int(rng.integers(40, 91)) if draws[2] < cfg.jpeg else 0,
        clutter=int(rng.integers(1, 7)) if draws[3] < cfg.clutter else 0,
        seed=int(rng.integers(2**31)),
    )


def _sample_fill(cfg: ShapesWorldConfig, rng: np.random.Generator) -> dict[str, Any]:
    if cfg.fills == ("solid",):
        return {}  # draws nothing, as for the plain style
    fill = cfg.fills[int(rng.integers(len(cfg.fills)))]
    if fill == "outlined":  # a rim clearly darker or lighter than the fill
        amount = rng.uniform(0.45, 0.75) if rng.random() < 0.5 else rng.uniform(1.3, 1.6)
    elif fill in ("shaded", "textured"):
        amount = rng.uniform(0.1, 0.25)
    else:
        amount = 0.0
    return dict(fill=fill, fill_amount=float(amount), fill_angle=float(rng.uniform(0.0, 360.0)))


def _sample_proportion(
    cfg: ShapesWorldConfig, shape: str, rng: np.random.Generator
) -> dict[str, Any]:
    if not cfg.proportions or shape not in PROPORTIONS:
        return {}  # draws nothing
    return dict(proportion=float(rng.uniform(*PROPORTIONS[shape])))


def min_distance(radius_a: float, radius_b: float) -> float:
    """Closest two objects' centres may come, in pixels: their outlines' extents plus 2 px.

    Used for still scenes and, at every step of a clip, for moving objects.
    """
    return SHAPE_EXTENT * (radius_a + radius_b) + 2.0


def border_margin(radius: float) -> float:
    """Closest an object's centre may come to the image border, in pixels."""
    return SHAPE_EXTENT * radius + 1.0


def _fits(center: np.ndarray, radius: float, placed: Sequence[ShapeObject]) -> bool:
    return all(math.dist(center, o.center) > min_distance(radius, o.radius) for o in placed)


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
        for _ in range(PLACEMENT_TRIES):
            radius = rng.uniform(*cfg.sizes[size]) * cfg.image_size
            margin = border_margin(radius)
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
                    **_sample_fill(cfg, rng),
                    **_sample_proportion(cfg, shape, rng),
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
        The scene, drawn with ``cfg.plain_rendering()`` in a ``cfg.plain_share``
        of the calls. An object that finds no free spot after a few tries at its
        size and at the smallest size is left out, so a scene can hold fewer
        objects than asked for (never fewer than one).
    """
    if cfg.plain_share and rng.random() < cfg.plain_share:
        cfg = cfg.plain_rendering()
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
        style=_sample_style(cfg, rng),
    )
