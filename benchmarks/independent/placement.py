"""Where a shape goes: :class:`Placement` and seeded sampling of single shapes and scenes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vocabulary import COLOURS, SHAPES, jittered_rgb

# Every renderer's outline fits in a circle of this many radii (a square's corners);
# placement keeps shapes this far from the border and from each other.
EXTENT = 1.15
# Radius as a fraction of the image side, drawn uniformly.
SINGLE_RADIUS = (0.10, 0.24)
SCENE_RADIUS = (0.10, 0.20)
# Squares and crosses turn only a little: a square on its corner reads as a diamond.
SMALL_TURN = 0.2


@dataclass(frozen=True)
class Placement:
    """One shape to draw.

    Args:
        shape: one of :data:`~.vocabulary.SHAPES`.
        colour: one of :data:`~.vocabulary.COLOURS`.
        rgb: the drawn colour (the named one, jittered).
        cx, cy: centre in pixels.
        radius: in pixels (the circle through the outermost points).
        angle: rotation in radians.
    """

    shape: str
    colour: str
    rgb: tuple[int, int, int]
    cx: float
    cy: float
    radius: float
    angle: float

    def moved(self, cx: float, cy: float) -> Placement:
        """The same shape centred at (cx, cy)."""
        return Placement(self.shape, self.colour, self.rgb, cx, cy, self.radius, self.angle)


def random_angle(shape: str, rng: np.random.Generator) -> float:
    """A rotation that keeps the shape's name: small for squares and crosses, any for the rest."""
    if shape in ("square", "cross"):
        return float(rng.uniform(-SMALL_TURN, SMALL_TURN))
    return float(rng.uniform(0.0, 2.0 * np.pi))


def check_words(shape: str, colour: str) -> None:
    """Raise for a shape or colour name outside the benchmark's vocabulary."""
    if shape not in SHAPES:
        raise ValueError(f"Unknown shape {shape!r}; known: {list(SHAPES)}.")
    if colour not in COLOURS:
        raise ValueError(f"Unknown colour {colour!r}; known: {list(COLOURS)}.")


def single_placement(
    shape: str, colour: str, size: int, rng: np.random.Generator, *, radius=SINGLE_RADIUS
) -> Placement:
    """One shape of ``colour`` somewhere in a ``size`` x ``size`` image, wholly inside it."""
    check_words(shape, colour)
    r = float(rng.uniform(*radius)) * size
    margin = EXTENT * r + 1.0
    cx, cy = rng.uniform(margin, size - margin, size=2)
    return Placement(
        shape, colour, jittered_rgb(colour, rng), float(cx), float(cy), r, random_angle(shape, rng)
    )


def scene_placements(
    size: int, rng: np.random.Generator, *, max_objects: int = 3, radius=SCENE_RADIUS
) -> list[Placement]:
    """1 to ``max_objects`` random shapes that do not overlap (their enclosing circles stay apart)."""
    if max_objects < 1:
        raise ValueError(f"max_objects must be at least 1, got {max_objects}.")
    placed: list[Placement] = []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        shape, colour = str(rng.choice(SHAPES)), str(rng.choice(list(COLOURS)))
        for _attempt in range(30):
            p = single_placement(shape, colour, size, rng, radius=radius)
            if all(_apart(p, q) for q in placed):
                placed.append(p)
                break
    return placed


def _apart(a: Placement, b: Placement) -> bool:
    return np.hypot(a.cx - b.cx, a.cy - b.cy) > EXTENT * (a.radius + b.radius) + 2.0
