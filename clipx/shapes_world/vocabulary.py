"""What a shapes world can draw: colour names with their RGB, shape outlines, sizes, backgrounds.

Every other part of :mod:`clipx.shapes_world` names things with these words;
a :class:`~clipx.shapes_world.config.ShapesWorldConfig` picks a subset.
"""

from __future__ import annotations

import numpy as np

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
# The wider ranges of ``ShapesWorldConfig.varied()``. Small shapes start at 0.1: at 64 px a
# circle and a hexagon of radius 0.09 (6 px) are a few pixels apart, and zero-shot accuracy on
# shapes of radius 0.09-0.12 measured 45% against 80% for large ones (varied world, 800 it).
VARIED_SIZES: dict[str, tuple[float, float]] = {"small": (0.1, 0.14), "large": (0.17, 0.27)}
# Background kinds. ``noise`` is smooth blobs; ``grey_noise`` / ``colour_noise``
# are strong per-pixel noise; ``texture`` is several octaves of coloured blobs.
BACKGROUNDS: tuple[str, ...] = (
    "flat",
    "gradient",
    "stripes",
    "checker",
    "noise",
    "texture",
    "grey_noise",
    "colour_noise",
)
# The four low-contrast kinds of the plain (default) world.
PLAIN_BACKGROUNDS: tuple[str, ...] = ("noise", "gradient", "stripes", "checker")
# How an object is filled: one flat shade, a flat shade with a darker or lighter
# rim, a brightness ramp across the shape, or a speckle of its own hue.
FILLS: tuple[str, ...] = ("solid", "outlined", "shaded", "textured")
IMAGE_FORMATS: tuple[str, ...] = ("png", "jpg")
# The shapes the segmentation and detection writers hold out of training by default.
DEFAULT_NOVEL_SHAPES: tuple[str, ...] = ("star", "hexagon")

# Every outline fits in a circle of this radius (in units of the object radius);
# placement keeps objects this far from each other and from the border.
SHAPE_EXTENT = 1.1


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

# Proportions that vary with ``ShapesWorldConfig.proportions``: the star's notch radius
# (tips at 1.05) and the cross's bar half-width (arms reach 0.95), as (min, max). Anyone
# calls all of these a star or a cross; the other shapes are fixed by their name.
PROPORTIONS: dict[str, tuple[float, float]] = {"star": (0.3, 0.6), "cross": (0.2, 0.42)}


def shape_outline(shape: str, proportion: float = 0.0) -> np.ndarray:
    """Unit outline of ``shape``; ``proportion`` (see :data:`PROPORTIONS`) reshapes a star
    or a cross, 0 keeps the standard outline of :data:`SHAPES`."""
    if not proportion:
        return SHAPES[shape][0]
    if shape == "star":
        return _star(inner=proportion)
    if shape == "cross":
        return _cross(half_width=proportion)
    raise ValueError(
        f"A {shape} has no variable proportion (got {proportion}); only {list(PROPORTIONS)} do."
    )
