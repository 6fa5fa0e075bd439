"""Drawing a :class:`~clipx.shapes_world.scene.Scene`: background, anti-aliased shapes, noise.

:class:`ShapesRenderer` turns a scene into an RGB image and one visible mask
per object; :func:`mask_to_box` turns a mask into the box a detection writer
records.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from .scene import Background, Scene, ShapeObject
from .vocabulary import BACKGROUNDS, SHAPES


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
