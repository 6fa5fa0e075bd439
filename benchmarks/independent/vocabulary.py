"""The independent renderers' words and colours: the plain names and plain RGB values.

Written for the benchmarks alone: the values are this package's own, not the
training generator's.
"""

from __future__ import annotations

import numpy as np

SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "star", "hexagon", "cross")
# The shapes-world configs hold these out of LSeg's and ViLD's training.
NOVEL_SHAPES: tuple[str, ...] = ("star", "hexagon")
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (225, 25, 20),
    "green": (25, 165, 45),
    "blue": (25, 65, 225),
    "yellow": (240, 220, 25),
    "purple": (135, 40, 185),
    "orange": (250, 135, 15),
}
# Each channel of a drawn colour moves by up to this much, uniformly.
COLOUR_JITTER = 12


def class_names() -> list[str]:
    """The 36 ``"<colour> <shape>"`` names, colour-major ("red circle", "red square", ...)."""
    return [f"{colour} {shape}" for colour in COLOURS for shape in SHAPES]


def jittered_rgb(colour: str, rng: np.random.Generator) -> tuple[int, int, int]:
    """``colour``'s RGB with every channel moved by up to :data:`COLOUR_JITTER`."""
    if colour not in COLOURS:
        raise ValueError(f"Unknown colour {colour!r}; known: {list(COLOURS)}.")
    base = np.asarray(COLOURS[colour])
    moved = base + rng.integers(-COLOUR_JITTER, COLOUR_JITTER + 1, size=3)
    return tuple(int(v) for v in np.clip(moved, 0, 255))
