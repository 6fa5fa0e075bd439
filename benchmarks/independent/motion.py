"""Shapes that move in a straight line, for the direction (time-reversal) benchmark."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .placement import EXTENT, Placement, random_angle
from .renderers import Renderer
from .scenes import compose
from .vocabulary import COLOURS, SHAPES, jittered_rgb

DIRECTIONS: dict[str, tuple[int, int]] = {
    "left": (-1, 0),
    "right": (1, 0),
    "up": (0, -1),
    "down": (0, 1),
}
OPPOSITE = {"left": "right", "right": "left", "up": "down", "down": "up"}
# radius and path length as fractions of the image side
MOVING_RADIUS = (0.09, 0.16)
TRAVEL = (0.3, 0.5)


@dataclass(frozen=True)
class Motion:
    """A shape moving ``travel`` pixels in ``direction`` from ``start`` (a placement at t = 0)."""

    start: Placement
    direction: str
    travel: float

    def at(self, t: float) -> Placement:
        """Where the shape is at time ``t`` in [0, 1]."""
        dx, dy = DIRECTIONS[self.direction]
        return self.start.moved(
            self.start.cx + dx * self.travel * t, self.start.cy + dy * self.travel * t
        )

    def reversed(self) -> Motion:
        """The same path run backwards: from its end, the other way."""
        return Motion(self.at(1.0), OPPOSITE[self.direction], self.travel)


def sample_motions(rng: np.random.Generator, size: int, count: int) -> list[Motion]:
    """``count`` shapes of distinct shapes and colours, each moving along a path inside the image."""
    if not 1 <= count <= min(len(SHAPES), len(COLOURS)):
        raise ValueError(f"count={count}; use 1 to {min(len(SHAPES), len(COLOURS))}.")
    colours = rng.choice(list(COLOURS), size=count, replace=False)
    shapes = rng.choice(SHAPES, size=count, replace=False)
    motions = []
    for colour, shape in zip(colours, shapes, strict=True):
        r = float(rng.uniform(*MOVING_RADIUS)) * size
        direction = str(rng.choice(list(DIRECTIONS)))
        travel = float(rng.uniform(*TRAVEL)) * size
        start = [_start(step, r, travel, size, rng) for step in DIRECTIONS[direction]]
        placement = Placement(
            str(shape), str(colour), jittered_rgb(str(colour), rng), start[0], start[1], r,
            random_angle(str(shape), rng),
        )  # fmt: skip
        motions.append(Motion(placement, direction, travel))
    return motions


def _start(step: int, radius: float, travel: float, size: int, rng: np.random.Generator) -> float:
    """A start coordinate from which a path of ``travel`` along ``step`` stays inside the image."""
    low, high = EXTENT * radius + 1.0, size - EXTENT * radius - 1.0
    if step > 0:
        high -= travel
    elif step < 0:
        low += travel
    return float(rng.uniform(low, high))


def draw_clip(
    renderer: Renderer, background: np.ndarray, motions: Sequence[Motion], frames: int
) -> list[np.ndarray]:
    """``frames`` (H, W, 3) uint8 frames, evenly spaced in time, over one fixed background."""
    return [
        compose(renderer, background, [m.at(float(t)) for m in motions]).image
        for t in np.linspace(0.0, 1.0, frames)
    ]
