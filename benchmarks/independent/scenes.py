"""Images from placements: single shapes for zero-shot, scenes with exact masks and boxes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .backgrounds import draw_background
from .placement import Placement, scene_placements, single_placement
from .renderers import Renderer, make_renderer


@dataclass
class DrawnShape:
    """One shape of a drawn image.

    Args:
        shape, colour: its words.
        mask: (H, W) bool, the pixels it covers at least half.
        box: ``(x0, y0, x1, y1)`` of the mask, ``x1`` and ``y1`` exclusive.
    """

    shape: str
    colour: str
    mask: np.ndarray
    box: tuple[int, int, int, int]


@dataclass
class Scene:
    """A drawn image, (H, W, 3) uint8 RGB, and its shapes in drawing order."""

    image: np.ndarray
    objects: list[DrawnShape]


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` of a non-empty (H, W) bool mask, ``x1``/``y1`` exclusive."""
    ys, xs = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if ys.size == 0:
        raise ValueError("An empty mask has no box.")
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


def compose(renderer: Renderer, background: np.ndarray, placements: Sequence[Placement]) -> Scene:
    """Paint each placement over ``background`` (H, W, 3) float by the renderer's coverage.

    A pixel takes ``background * (1 - c) + rgb * c`` for the shape's coverage c;
    the shape's mask is ``c >= 0.5``. Later shapes paint over earlier ones, so
    the masks are exact only for shapes that do not overlap (what
    :func:`~.placement.scene_placements` gives); a shape that covers no pixel
    half is left out.
    """
    size = background.shape[0]
    canvas = np.array(background, dtype=np.float32)
    objects = []
    for p in placements:
        cover = renderer.coverage(p, size)[..., None]
        canvas = canvas * (1.0 - cover) + np.asarray(p.rgb, np.float32) * cover
        mask = cover[..., 0] >= 0.5
        if mask.any():
            objects.append(DrawnShape(p.shape, p.colour, mask, mask_box(mask)))
    image = np.clip(np.round(canvas), 0, 255).astype(np.uint8)
    return Scene(image, objects)


def draw_single(
    renderer: str, background: str, shape: str, colour: str, size: int, rng: np.random.Generator
) -> np.ndarray:
    """One ``colour`` ``shape`` on a ``background`` kind by ``renderer``: (size, size, 3) uint8 RGB."""
    drawer = make_renderer(renderer, rng)
    ground = draw_background(background, size, rng)
    return compose(drawer, ground, [single_placement(shape, colour, size, rng)]).image


def draw_scene(
    renderer: str, background: str, size: int, rng: np.random.Generator, *, max_objects: int = 3
) -> Scene:
    """1 to ``max_objects`` shapes that do not overlap, with their masks and boxes."""
    drawer = make_renderer(renderer, rng)
    ground = draw_background(background, size, rng)
    return compose(drawer, ground, scene_placements(size, rng, max_objects=max_objects))
