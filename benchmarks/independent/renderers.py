"""Three renderers written apart from clipx's generator, each with its own conventions.

A renderer turns a :class:`~.placement.Placement` into the shape's coverage:
an (H, W) float32 map in [0, 1], the share of each pixel the shape covers.
:func:`~.scenes.compose` paints the colour by it and takes the mask as the
pixels covered at least half.

* ``opencv``: ``cv2.fillPoly`` / ``cv2.circle`` at the image size on integer
  vertices, anti-aliased (``LINE_AA``) or hard-edged, decided per image;
* ``pil``: ``ImageDraw`` with other conventions: ``regular_polygon`` for the
  triangle, square and hexagon, ``ellipse`` for the circle, a fatter star, a
  thinner cross, never anti-aliased;
* ``vector``: exact outlines (an analytic circle, polygons by an even-odd
  point-in-polygon test) sampled at ``supersample`` x the resolution and
  area-averaged down, with a slender star and a mid-width cross.
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .outlines import cross, inside_polygon, place, regular, square, star
from .placement import Placement

RENDERERS: tuple[str, ...] = ("opencv", "pil", "vector")


class Renderer(Protocol):
    """What :func:`~.scenes.compose` needs of a renderer."""

    name: str

    def coverage(self, placement: Placement, size: int) -> np.ndarray:
        """(size, size) float32 in [0, 1]: how much of each pixel the shape covers."""


class OpenCVRenderer:
    """OpenCV's filled primitives at the image size (integer vertices).

    Args:
        antialias: ``cv2.LINE_AA`` edges; False: ``cv2.LINE_8``, every pixel in or out.
    """

    name = "opencv"
    OUTLINES = {
        "square": square(0.8),
        "triangle": regular(3),
        "star": star(0.42),
        "hexagon": regular(6, start_deg=0.0),
        "cross": cross(0.33),
    }

    def __init__(self, *, antialias: bool) -> None:
        self.antialias = antialias

    def coverage(self, placement: Placement, size: int) -> np.ndarray:
        p = placement
        canvas = np.zeros((size, size), np.uint8)
        line = cv2.LINE_AA if self.antialias else cv2.LINE_8
        if p.shape == "circle":
            centre = (int(round(p.cx)), int(round(p.cy)))
            cv2.circle(canvas, centre, int(round(p.radius)), 255, thickness=-1, lineType=line)
        else:
            points = place(self.OUTLINES[p.shape], p.cx, p.cy, p.radius, p.angle)
            cv2.fillPoly(canvas, [np.round(points).astype(np.int32)], 255, lineType=line)
        return canvas.astype(np.float32) / 255.0


class PILRenderer:
    """PIL's ``ImageDraw`` on a one-bit canvas: regular polygons, ellipses, hard edges."""

    name = "pil"
    SIDES = {"triangle": 3, "square": 4, "hexagon": 6}
    # the square's corners on a circle of this many radii (a side of 1.56 radii)
    SQUARE_CORNERS = 1.1
    OUTLINES = {"star": star(0.5), "cross": cross(0.25, reach=0.95)}

    def coverage(self, placement: Placement, size: int) -> np.ndarray:
        p = placement
        canvas = Image.new("1", (size, size), 0)
        draw = ImageDraw.Draw(canvas)
        if p.shape == "circle":
            draw.ellipse(
                (p.cx - p.radius, p.cy - p.radius, p.cx + p.radius, p.cy + p.radius), fill=1
            )
        elif p.shape in self.SIDES:
            r = p.radius * (self.SQUARE_CORNERS if p.shape == "square" else 1.0)
            # PIL turns counter-clockwise in degrees; the sign is immaterial for a random angle
            draw.regular_polygon(
                (p.cx, p.cy, r), self.SIDES[p.shape], rotation=np.degrees(p.angle), fill=1
            )
        else:
            points = place(self.OUTLINES[p.shape], p.cx, p.cy, p.radius, p.angle)
            draw.polygon([tuple(v) for v in points.tolist()], fill=1)
        return np.asarray(canvas, dtype=np.float32)


class VectorRenderer:
    """Exact outlines rasterised at ``supersample`` x the image size and area-averaged down.

    Args:
        supersample: samples per pixel side (4-8 is plenty at 64 px).
    """

    name = "vector"
    OUTLINES = {
        "square": square(0.76),
        "triangle": regular(3, radius=1.05, start_deg=90.0),
        "star": star(0.382),
        "hexagon": regular(6, start_deg=30.0),
        "cross": cross(0.29),
    }

    def __init__(self, *, supersample: int = 8) -> None:
        if supersample < 1:
            raise ValueError(f"supersample must be at least 1, got {supersample}.")
        self.supersample = supersample

    def coverage(self, placement: Placement, size: int) -> np.ndarray:
        p, s = placement, self.supersample
        out = np.zeros((size, size), np.float32)
        reach = 1.1 * p.radius + 1.0  # the outlines' farthest point, with a pixel to spare
        x0, x1 = max(int(p.cx - reach), 0), min(int(np.ceil(p.cx + reach)), size)
        y0, y1 = max(int(p.cy - reach), 0), min(int(np.ceil(p.cy + reach)), size)
        if x0 >= x1 or y0 >= y1:
            return out
        offsets = (np.arange(s) + 0.5) / s
        xs = (np.arange(x0, x1)[:, None] + offsets).ravel()
        ys = (np.arange(y0, y1)[:, None] + offsets).ravel()
        gx, gy = np.meshgrid(xs, ys)
        if p.shape == "circle":
            hit = (gx - p.cx) ** 2 + (gy - p.cy) ** 2 <= p.radius**2
        else:
            hit = inside_polygon(
                gx, gy, place(self.OUTLINES[p.shape], p.cx, p.cy, p.radius, p.angle)
            )
        blocks = hit.reshape(y1 - y0, s, x1 - x0, s).mean(axis=(1, 3))
        out[y0:y1, x0:x1] = blocks
        return out


def make_renderer(name: str, rng: np.random.Generator) -> Renderer:
    """The renderer ``name`` with its per-image choices drawn from ``rng`` (OpenCV: anti-aliasing)."""
    if name == "opencv":
        return OpenCVRenderer(antialias=bool(rng.random() < 0.5))
    if name == "pil":
        return PILRenderer()
    if name == "vector":
        return VectorRenderer()
    raise ValueError(f"Unknown renderer {name!r}; known: {list(RENDERERS)}.")
