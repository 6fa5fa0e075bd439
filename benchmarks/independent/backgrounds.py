"""Background kinds the independent renderers draw shapes on, seeded.

Every kind is drawn as (H, W, 3) float32 in [0, 255] from muted colours (a grey
or a grey with a slight tint), so no background reads as one of the shape
colours:

* ``flat``: one muted colour;
* ``gradient``: a linear blend of two along a random direction;
* ``grey_noise``: per-pixel grey noise (the same on all channels);
* ``colour_noise_mild`` / ``colour_noise_strong``: per-pixel, per-channel
  noise, sigma 8-15 / 35-48 (the shapes stay solid on top of it);
* ``texture``: smooth random blobs, a woven (cloth-like) pattern or wood rings;
* ``clutter``: a flat or gradient ground with thin lines and dots that are not shapes.
"""

from __future__ import annotations

import cv2
import numpy as np

BACKGROUNDS: tuple[str, ...] = (
    "flat",
    "gradient",
    "grey_noise",
    "colour_noise_mild",
    "colour_noise_strong",
    "texture",
    "clutter",
)


def muted_colour(rng: np.random.Generator, *, grey=(70, 190), tint: float = 22.0) -> np.ndarray:
    """A grey, tinted by up to ``tint`` per channel half the time, as (3,) float32."""
    base = np.full(3, rng.uniform(*grey), np.float32)
    if rng.random() < 0.5:
        base += rng.uniform(-tint, tint, 3).astype(np.float32)
    return np.clip(base, 0, 255)


def blend(first: np.ndarray, second: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """(H, W, 3): ``first`` where ``weight`` (H, W) is 0, ``second`` where it is 1."""
    return first + (second - first) * weight[..., None]


def contrasting(colour: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A second muted colour 30-60 grey levels lighter or darker than ``colour``."""
    shift = rng.uniform(30, 60) * (1 if colour.mean() < 128 else -1)
    return np.clip(colour + shift + rng.uniform(-10, 10, 3), 0, 255).astype(np.float32)


def along(size: int, angle: float) -> np.ndarray:
    """(H, W) pixel coordinate along direction ``angle`` (radians)."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    return xs * np.cos(angle) + ys * np.sin(angle)


def flat(size: int, rng: np.random.Generator) -> np.ndarray:
    """One muted colour."""
    return np.broadcast_to(muted_colour(rng), (size, size, 3)).astype(np.float32)


def gradient(size: int, rng: np.random.Generator) -> np.ndarray:
    """A muted colour blending into a contrasting one along a random direction."""
    first = muted_colour(rng)
    t = along(size, rng.uniform(0, 2 * np.pi))
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    return blend(first, contrasting(first, rng), t)


def grey_noise(size: int, rng: np.random.Generator) -> np.ndarray:
    """A muted colour plus per-pixel grey noise (one value for all channels), sigma 10-22."""
    noise = rng.normal(0, rng.uniform(10, 22), (size, size, 1)).astype(np.float32)
    return np.clip(muted_colour(rng) + noise, 0, 255)


def colour_noise(size: int, rng: np.random.Generator, sigma: tuple[float, float]) -> np.ndarray:
    """A muted colour plus independent normal noise per pixel and channel, sigma drawn from ``sigma``."""
    noise = rng.normal(0, rng.uniform(*sigma), (size, size, 3)).astype(np.float32)
    return np.clip(muted_colour(rng, grey=(100, 160)) + noise, 0, 255)


def texture(size: int, rng: np.random.Generator) -> np.ndarray:
    """Two muted colours mixed by smooth blobs, a weave or wood rings."""
    first = muted_colour(rng)
    second = contrasting(first, rng)
    kind = rng.choice(("blobs", "weave", "wood"))
    if kind == "blobs":
        cells = int(rng.integers(3, 8))
        field = rng.random((cells, cells)).astype(np.float32)
        t = cv2.resize(field, (size, size), interpolation=cv2.INTER_CUBIC)
        t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    elif kind == "weave":
        period, angle = rng.uniform(4, 10), rng.uniform(0, np.pi)
        u, v = along(size, angle), along(size, angle + np.pi / 2)
        t = 0.5 + 0.25 * (np.sin(2 * np.pi * u / period) + np.sin(2 * np.pi * v / period))
    else:  # wood: rings around a centre off the image, wobbled
        cx, cy = rng.uniform(-size, 2 * size, 2)
        ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
        wobble = 1.5 * np.sin(2 * np.pi * along(size, rng.uniform(0, np.pi)) / rng.uniform(15, 30))
        t = 0.5 + 0.5 * np.sin(
            2 * np.pi * (np.hypot(xs - cx, ys - cy) + wobble) / rng.uniform(5, 12)
        )
    return blend(first, second, t.astype(np.float32))


def clutter(size: int, rng: np.random.Generator) -> np.ndarray:
    """A flat or gradient ground crossed by 3-8 thin lines and sprinkled with 5-15 dots."""
    ground = np.ascontiguousarray(gradient(size, rng) if rng.random() < 0.5 else flat(size, rng))
    line = cv2.LINE_AA if rng.random() < 0.5 else cv2.LINE_8
    for _ in range(int(rng.integers(3, 9))):
        a, b = rng.uniform(0, size, 2), rng.uniform(0, size, 2)
        colour = [float(v) for v in muted_colour(rng, grey=(20, 235), tint=40.0)]
        cv2.line(ground, tuple(int(v) for v in a), tuple(int(v) for v in b), colour, 1, line)
    for _ in range(int(rng.integers(5, 16))):
        centre = tuple(int(v) for v in rng.uniform(0, size, 2))
        colour = [float(v) for v in muted_colour(rng, grey=(20, 235), tint=40.0)]
        cv2.circle(ground, centre, 1, colour, thickness=-1, lineType=line)
    return ground


DRAWERS = {
    "flat": flat,
    "gradient": gradient,
    "grey_noise": grey_noise,
    "colour_noise_mild": lambda size, rng: colour_noise(size, rng, (8, 15)),
    "colour_noise_strong": lambda size, rng: colour_noise(size, rng, (35, 48)),
    "texture": texture,
    "clutter": clutter,
}


def draw_background(kind: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """A background of ``kind`` (one of :data:`BACKGROUNDS`) as (size, size, 3) float32 in [0, 255]."""
    if kind not in DRAWERS:
        raise ValueError(f"Unknown background kind {kind!r}; known: {list(BACKGROUNDS)}.")
    return np.array(DRAWERS[kind](size, rng), dtype=np.float32)
