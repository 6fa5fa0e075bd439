"""Drawing a :class:`~clipx.shapes_world.scene.Scene`: background, clutter, filled shapes, noise, blur, JPEG.

:class:`ShapesRenderer` turns a scene into an RGB image and one visible mask
per object; :func:`mask_to_box` turns a mask into the box a detection writer
records. Everything the scene's :class:`~clipx.shapes_world.scene.Style` and
fills vary changes the pixels only: the masks are always each object's full
outline (coverage at least one half), whatever its rim, blur or compression.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .scene import Background, Scene, ShapeObject, Style
from .vocabulary import BACKGROUNDS, shape_outline


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
        return _blobs(np.random.default_rng(bg.seed), size, bg.period)
    if bg.kind == "texture":  # octaves of blobs, finest last
        rng = np.random.default_rng(bg.seed)
        octaves = [_blobs(rng, size, bg.period * f) for f in (2.0, 1.0, 0.5, 0.25)]
        mix = sum(w * o for w, o in zip((0.4, 0.3, 0.2, 0.1), octaves, strict=True))
        return np.clip((mix - 0.5) * 2.0 + 0.5, 0.0, 1.0)
    if bg.kind in ("flat", "grey_noise", "colour_noise"):
        return np.zeros((size, size), np.float32)
    raise ValueError(f"Unknown background kind {bg.kind!r}; known: {list(BACKGROUNDS)}.")


def _blobs(rng: np.random.Generator, size: int, period: float) -> np.ndarray:
    """(H, W) smooth random values in [0, 1] with blobs about ``period`` pixels wide."""
    cells = max(2, int(round(size / max(period, 1.0))))
    blobs = rng.uniform(0, 255, (cells, cells)).astype(np.uint8)
    smooth = Image.fromarray(blobs).resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(smooth, dtype=np.float32) / 255.0


def draw_background(bg: Background, size: int) -> np.ndarray:
    """The background as (H, W, 3) float32 (clipped to [0, 255] only when the image is finished)."""
    mix = _background_mix(bg, size)[..., None]
    colour = np.asarray(bg.colour, dtype=np.float32)
    other = np.asarray(bg.other, dtype=np.float32)
    canvas = colour + (other - colour) * mix
    if bg.kind.endswith("_noise"):
        rng = np.random.default_rng(bg.seed)
        channels = 1 if bg.kind == "grey_noise" else 3
        canvas = (
            canvas + rng.standard_normal((size, size, channels), dtype=np.float32) * bg.amplitude
        )
    return canvas


def draw_clutter(canvas: np.ndarray, style: Style) -> np.ndarray:
    """``canvas`` with ``style.clutter`` thin lines, arcs and dots of random colours (not shapes)."""
    if style.clutter == 0:
        return canvas
    size = canvas.shape[0]
    rng = np.random.default_rng([style.seed, 1])
    image = Image.fromarray(np.clip(np.rint(canvas), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(style.clutter):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        kind = rng.integers(3)
        x0, y0, x1, y1 = (float(v) for v in rng.uniform(0, size, 4))
        if kind == 0:
            draw.line([(x0, y0), (x1, y1)], fill=colour, width=1)
        elif kind == 1:
            r = rng.uniform(0.15, 0.4) * size
            start = float(rng.uniform(0, 360))
            box = [x0 - r, y0 - r, x0 + r, y0 + r]
            draw.arc(box, start, start + float(rng.uniform(30, 120)), fill=colour, width=1)
        else:
            r = rng.uniform(0.5, 1.5) * size / 64.0
            draw.ellipse([x0 - r, y0 - r, x0 + r, y0 + r], fill=colour)
    return np.asarray(image, dtype=np.float32)


def outline(obj: ShapeObject) -> np.ndarray:
    """(N, 2) polygon of ``obj`` in pixel coordinates (x, y)."""
    unit = shape_outline(obj.shape, obj.proportion)
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


def _window(obj: ShapeObject, size: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) pixel window, clipped to the image, that holds ``obj``'s outline with a margin."""
    points = outline(obj)
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + 2
    return max(int(x0), 0), max(int(y0), 0), min(int(x1), size), min(int(y1), size)


def rim_width(obj: ShapeObject, size: int) -> float:
    """Width in pixels of an ``'outlined'`` object's rim: 1.5 px per 64 px, at most an eighth of its radius."""
    return min(1.5 * size / 64.0, obj.radius / 8.0)


class ShapesRenderer:
    """Draws a :class:`Scene`: background, clutter, filled shapes, then noise, blur and JPEG.

    Args:
        supersample: anti-aliased shapes are rasterised at this many times the
            image size and box-downsampled, which gives each pixel its
            coverage; a scene whose style turns anti-aliasing off is drawn at 1.
    """

    def __init__(self, *, supersample: int = 4) -> None:
        if not isinstance(supersample, int) or supersample < 1:
            raise ValueError(f"supersample={supersample!r}; use a positive integer.")
        self.supersample = supersample

    def _coverage(self, obj: ShapeObject, size: int, antialias: bool, erode: float) -> np.ndarray:
        """Rasterise ``obj`` at the supersampled resolution (in its own window when eroding),
        shrink it by ``erode`` pixels, box-downsample, and place it in an (H, W) map."""
        ss = self.supersample if antialias else 1
        # The full image unless eroding: PIL rounds shifted outlines differently at a few edge
        # pixels, and the plain world's images stay byte-identical to clipx's earlier ones.
        x0, y0, x1, y1 = _window(obj, size) if erode > 0 else (0, 0, size, size)
        out = np.zeros((size, size), np.float32)
        if x1 <= x0 or y1 <= y0:
            return out
        canvas = Image.new("L", ((x1 - x0) * ss, (y1 - y0) * ss), 0)
        points = [(float(x), float(y)) for x, y in (outline(obj) - (x0, y0)) * ss]
        ImageDraw.Draw(canvas).polygon(points, fill=255)
        if erode > 0:
            canvas = canvas.filter(ImageFilter.MinFilter(2 * max(1, int(round(erode * ss))) + 1))
        if ss > 1:
            canvas = canvas.resize((x1 - x0, y1 - y0), Image.Resampling.BOX)
        out[y0:y1, x0:x1] = np.asarray(canvas, dtype=np.float32) / 255.0
        return out

    def coverage(self, obj: ShapeObject, size: int, *, antialias: bool = True) -> np.ndarray:
        """(H, W) float32 fraction of each pixel that ``obj`` covers, in [0, 1] (0 or 1 without anti-aliasing)."""
        return self._coverage(obj, size, antialias, 0.0)

    def _inner_coverage(self, obj: ShapeObject, size: int, antialias: bool) -> np.ndarray:
        """Coverage of ``obj`` shrunk by its rim width (an erosion of its raster)."""
        return self._coverage(obj, size, antialias, rim_width(obj, size))

    def _paint(
        self, canvas: np.ndarray, obj: ShapeObject, alpha: np.ndarray, style: Style, index: int
    ) -> None:
        """Composite ``obj`` onto ``canvas`` in place, with its fill."""
        rgb = np.asarray(obj.rgb, dtype=np.float32)
        size = canvas.shape[0]
        if obj.fill == "outlined":
            rim = rgb * obj.fill_amount
            canvas += (rim - canvas) * alpha[..., None]
            alpha = self._inner_coverage(obj, size, style.antialias)
            colour = rgb
        elif obj.fill == "shaded":
            ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
            a = math.radians(obj.fill_angle)
            t = (
                (xs - obj.center[0]) * math.cos(a) + (ys - obj.center[1]) * math.sin(a)
            ) / obj.radius
            colour = rgb * (1.0 + obj.fill_amount * np.clip(t, -1.0, 1.0))[..., None]
        elif obj.fill == "textured":
            rng = np.random.default_rng([style.seed, 2, index])
            speckle = np.clip(rng.standard_normal((size, size, 1), dtype=np.float32), -2.0, 2.0)
            colour = rgb * (1.0 + obj.fill_amount * 0.5 * speckle)
        else:
            colour = rgb
        canvas += (np.clip(colour, 0, 255) - canvas) * alpha[..., None]

    def render(self, scene: Scene) -> tuple[np.ndarray, list[np.ndarray]]:
        """Draw a scene.

        Args:
            scene: what to draw.

        Returns:
            ``image``: (H, W, 3) uint8 RGB. ``masks``: one (H, W) bool mask per
            object, in ``scene.objects`` order: the pixels the object covers at
            least half of and that no later object covers so.
        """
        size, style = scene.image_size, scene.style
        canvas = draw_clutter(draw_background(scene.background, size), style)
        alphas = [self.coverage(obj, size, antialias=style.antialias) for obj in scene.objects]
        for index, (obj, alpha) in enumerate(zip(scene.objects, alphas, strict=True)):
            self._paint(canvas, obj, alpha, style, index)
        noise = np.random.default_rng(scene.noise_seed).standard_normal(
            canvas.shape, dtype=np.float32
        )
        canvas += noise * scene.noise_std
        image = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
        return _degrade(image, style), _visible_masks(alphas)


def _degrade(image: np.ndarray, style: Style) -> np.ndarray:
    """``image`` after the style's blur and JPEG round trip."""
    if style.blur == 0.0 and style.jpeg_quality == 0:
        return image
    pil = Image.fromarray(image)
    if style.blur > 0.0:
        pil = pil.filter(ImageFilter.GaussianBlur(style.blur))
    if style.jpeg_quality > 0:
        buffer = io.BytesIO()
        pil.save(buffer, format="JPEG", quality=style.jpeg_quality)
        pil = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return np.asarray(pil, dtype=np.uint8)


def _visible_masks(alphas: Sequence[np.ndarray]) -> list[np.ndarray]:
    masks: list[np.ndarray] = []
    covered = None
    for alpha in reversed(alphas):
        mask = alpha >= 0.5
        masks.append(mask if covered is None else mask & ~covered)
        covered = mask if covered is None else covered | mask
    return masks[::-1]
