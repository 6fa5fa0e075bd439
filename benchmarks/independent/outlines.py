"""Unit outlines of the six shapes and an exact point-in-polygon test.

An outline is an (N, 2) float array of (x, y) vertices around the origin, in
units of the shape's radius (the circle through its outermost points), y
pointing down as in an image. Each renderer picks its own proportions (star
inner ratio, arm width of the cross, side of the square), so the three draw
the same words in three conventions.
"""

from __future__ import annotations

import numpy as np


def regular(sides: int, *, radius: float = 1.0, start_deg: float = -90.0) -> np.ndarray:
    """A regular polygon with ``sides`` vertices on a circle of ``radius``, the first at ``start_deg``."""
    if sides < 3:
        raise ValueError(f"A regular polygon needs at least 3 sides, got {sides}.")
    angles = np.radians(start_deg + 360.0 * np.arange(sides) / sides)
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def star(inner: float, *, points: int = 5) -> np.ndarray:
    """A ``points``-pointed star, tips on the unit circle and notches at radius ``inner``."""
    if not 0 < inner < 1:
        raise ValueError(f"A star's inner radius must lie in (0, 1), got {inner}.")
    angles = np.radians(-90.0 + 180.0 * np.arange(2 * points) / points)
    radii = np.where(np.arange(2 * points) % 2 == 0, 1.0, inner)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def square(half_side: float) -> np.ndarray:
    """An axis-aligned square of side ``2 * half_side``."""
    h = half_side
    return np.array([(-h, -h), (h, -h), (h, h), (-h, h)], dtype=float)


def cross(half_width: float, *, reach: float = 1.0) -> np.ndarray:
    """A plus sign: two bars of width ``2 * half_width`` reaching ``reach`` from the centre."""
    if not 0 < half_width < reach:
        raise ValueError(f"A cross needs 0 < half_width < reach, got {half_width} and {reach}.")
    w, r = half_width, reach
    return np.array(
        [(-w, -r), (w, -r), (w, -w), (r, -w), (r, w), (w, w),
         (w, r), (-w, r), (-w, w), (-r, w), (-r, -w), (-w, -w)],
        dtype=float,
    )  # fmt: skip


def place(unit: np.ndarray, cx: float, cy: float, radius: float, angle: float) -> np.ndarray:
    """``unit`` rotated by ``angle`` radians, scaled by ``radius`` and moved to (cx, cy)."""
    c, s = np.cos(angle), np.sin(angle)
    rotation = np.array([[c, -s], [s, c]])
    return unit @ rotation.T * radius + np.array([cx, cy])


def inside_polygon(xs: np.ndarray, ys: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Whether each point (xs[i], ys[i]) lies inside ``polygon`` (even-odd rule, any simple polygon).

    Args:
        xs, ys: point coordinates of one shape (any, equal shapes).
        polygon: (N, 2) vertices in order.

    Returns:
        bool array shaped like ``xs``.
    """
    inside = np.zeros(xs.shape, dtype=bool)
    x1, y1 = polygon[:, 0], polygon[:, 1]
    x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
    for ax, ay, bx, by in zip(x1, y1, x2, y2, strict=True):
        if ay == by:
            continue  # a horizontal edge crosses no horizontal ray
        spans = (ay > ys) != (by > ys)
        x_cross = ax + (ys - ay) * (bx - ax) / (by - ay)
        inside ^= spans & (xs < x_cross)
    return inside
