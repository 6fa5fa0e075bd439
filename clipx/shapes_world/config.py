"""What one shapes world contains: its vocabulary subset, image size, object counts and seed.

:class:`ShapesWorldConfig` is the single description every sampler and writer
takes; :func:`class_pairs` / :func:`class_names` list its colour-shape classes
and :func:`check_novel_shapes` validates a held-out shape list.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from functools import partial
from typing import Any

from .vocabulary import (
    BACKGROUNDS,
    COLOURS,
    DEFAULT_COLOURS,
    DEFAULT_SHAPES,
    DEFAULT_SIZES,
    FILLS,
    IMAGE_FORMATS,
    PLAIN_BACKGROUNDS,
    SHAPES,
    VARIED_SIZES,
)


def _check_names(field_name: str, names: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        raise TypeError(
            f"ShapesWorldConfig.{field_name} must be a list of names, got the string {names!r}."
        )
    names = tuple(names)
    if not names:
        raise ValueError(
            f"ShapesWorldConfig.{field_name} is empty; pick at least one of {list(known)}."
        )
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(
            f"Unknown {field_name[:-1]} name(s) {unknown} in ShapesWorldConfig.{field_name}. "
            f"Known {field_name}: {list(known)}."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"ShapesWorldConfig.{field_name} lists a name twice: {list(names)}.")
    return names


def _check_share(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"ShapesWorldConfig.{name}={value}; use a share of images in [0, 1].")
    return value


def _check_sizes(sizes: dict[str, Sequence[float]]) -> dict[str, tuple[float, float]]:
    if not sizes:
        raise ValueError(
            f"ShapesWorldConfig.sizes is empty; give name -> (min, max) radius, e.g. {DEFAULT_SIZES}."
        )
    out = {}
    for name, bounds in sizes.items():
        lo, hi = (float(b) for b in bounds)
        if not (0.0 < lo <= hi <= 0.35):
            raise ValueError(
                f"Size '{name}' has radius range ({lo}, {hi}); it must satisfy 0 < min <= max <= 0.35 "
                "(fractions of the image side)."
            )
        out[str(name)] = (lo, hi)
    return out


@dataclass(frozen=True)
class ShapesWorldConfig:
    """What a shapes world contains.

    Args:
        image_size: side of the square images, in pixels.
        shapes: shape names, from :data:`SHAPES`.
        colours: colour names, from :data:`COLOURS`.
        sizes: size name -> (min, max) object radius as a fraction of
            ``image_size``; the names appear in captions.
        min_objects: fewest objects in a multi-object scene.
        max_objects: most objects in a multi-object scene. Objects that do not
            fit without overlap are dropped (rare with the defaults).
        backgrounds: background kinds, from :data:`BACKGROUNDS`, drawn uniformly.
        seed: root seed; each image draws from ``(seed, stream, index)``.
        shade_jitter: how far an object's colour strays from its base RGB:
            brightness scaled by up to ``1 - shade_jitter`` and each channel
            moved by up to ``100 * shade_jitter``. Beyond the default 0.12, dark
            yellows come nearer orange than yellow (3.7% of them at 0.16); the
            ``'shaded'`` and ``'textured'`` fills vary brightness instead.
        noise_std: range of the per-image pixel-noise standard deviation.
        supersample: objects are drawn at this many times the resolution and
            box-downsampled, for anti-aliased edges.
        image_format: ``'png'`` (lossless) or ``'jpg'`` (quality 95).
        tint: how far each background channel strays from grey, at most.
        contrast: range of the brightness step between a background's two
            colours (gradient ends, stripes, checks, blobs).
        fills: object fill styles, from :data:`FILLS`, drawn per object.
        aliased: share of images drawn without anti-aliasing.
        blur: share of images blurred (Gaussian, sigma 0.3-0.8 px per 64 px).
        jpeg: share of images passed through JPEG at quality 40-90.
        clutter: share of images with 1-6 marks that are not shapes (thin
            lines, arcs, dots) drawn behind the objects.
        proportions: stars and crosses drawn with their own notch depth and
            bar width (:data:`~clipx.shapes_world.vocabulary.PROPORTIONS`).
        plain_share: share of images drawn with the plain rendering
            (:meth:`plain_rendering`) whatever the fields above say; a varied
            world with ``plain_share=0.5`` is half plain, half varied.

    The defaults are the plain look: four low-contrast background kinds, solid
    fills, anti-aliased edges. :meth:`varied` varies everything the captions do
    not describe (background, fill, edges, blur, compression, clutter, star and
    cross proportions) so that a model cannot lean on this renderer's look;
    :meth:`mixed` (half plain, half varied) is what the generator writes by
    default and the quickstart trains on (README, "Rendering variation").
    """

    image_size: int = 64
    shapes: tuple[str, ...] = DEFAULT_SHAPES
    colours: tuple[str, ...] = DEFAULT_COLOURS
    sizes: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_SIZES))
    min_objects: int = 1
    max_objects: int = 3
    backgrounds: tuple[str, ...] = PLAIN_BACKGROUNDS
    seed: int = 0
    shade_jitter: float = 0.12
    noise_std: tuple[float, float] = (2.0, 7.0)
    supersample: int = 4
    image_format: str = "png"
    tint: float = 12.0
    contrast: tuple[float, float] = (12.0, 35.0)
    fills: tuple[str, ...] = ("solid",)
    aliased: float = 0.0
    blur: float = 0.0
    jpeg: float = 0.0
    clutter: float = 0.0
    proportions: bool = False
    plain_share: float = 0.0

    @classmethod
    def varied(cls, **overrides: Any) -> ShapesWorldConfig:
        """The world with rendering variation: every background kind, all fills, aliased edges,
        blur, JPEG and clutter in a fifth to a quarter of the images, wider sizes."""
        varied = dict(
            backgrounds=BACKGROUNDS,
            sizes=dict(VARIED_SIZES),
            noise_std=(0.0, 8.0),
            tint=25.0,
            contrast=(12.0, 60.0),
            fills=FILLS,
            aliased=0.2,
            blur=0.2,
            jpeg=0.2,
            clutter=0.25,
            proportions=True,
        )
        return cls(**{**varied, **overrides})

    @classmethod
    def mixed(cls, **overrides: Any) -> ShapesWorldConfig:
        """:meth:`varied` with half of the images drawn plain (``plain_share=0.5``)."""
        return cls.varied(**{"plain_share": 0.5, **overrides})

    def plain_rendering(self) -> ShapesWorldConfig:
        """This world with every rendering field at the plain default; vocabulary, sizes,
        object counts, seed and format stay."""
        defaults = {f.name: f.default for f in fields(self) if f.name in _RENDERING_FIELDS}
        return replace(self, **defaults)

    def __post_init__(self) -> None:
        set_ = partial(object.__setattr__, self)
        if not isinstance(self.image_size, int) or self.image_size < 16:
            raise ValueError(
                f"image_size={self.image_size!r}; use an integer of at least 16 pixels."
            )
        set_("shapes", _check_names("shapes", self.shapes, list(SHAPES)))
        set_("colours", _check_names("colours", self.colours, list(COLOURS)))
        set_("backgrounds", _check_names("backgrounds", self.backgrounds, BACKGROUNDS))
        set_("sizes", _check_sizes(self.sizes))
        set_("fills", _check_names("fills", self.fills, FILLS))
        for name in ("aliased", "blur", "jpeg", "clutter", "plain_share"):
            set_(name, _check_share(name, getattr(self, name)))
        num_classes = len(self.shapes) * len(self.colours)
        if not 1 <= self.min_objects <= self.max_objects <= num_classes:
            raise ValueError(
                f"min_objects={self.min_objects}, max_objects={self.max_objects}; need "
                f"1 <= min_objects <= max_objects <= {num_classes} (the number of colour-shape pairs)."
            )
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r}; use a non-negative integer.")
        if not 0.0 <= self.shade_jitter <= 0.5:
            raise ValueError(f"shade_jitter={self.shade_jitter}; use a value in [0, 0.5].")
        lo, hi = (float(v) for v in self.noise_std)
        if not 0.0 <= lo <= hi:
            raise ValueError(
                f"noise_std={self.noise_std}; use a (min, max) range with 0 <= min <= max."
            )
        set_("noise_std", (lo, hi))
        lo, hi = (float(v) for v in self.contrast)
        if not 0.0 <= lo <= hi <= 255.0:
            raise ValueError(f"contrast={self.contrast}; use a (min, max) range in [0, 255].")
        set_("contrast", (lo, hi))
        if not 0.0 <= float(self.tint) <= 80.0:
            raise ValueError(f"tint={self.tint}; use a value in [0, 80] grey levels.")
        if not isinstance(self.supersample, int) or not 1 <= self.supersample <= 8:
            raise ValueError(f"supersample={self.supersample!r}; use an integer from 1 to 8.")
        if self.image_format not in IMAGE_FORMATS:
            raise ValueError(f"image_format={self.image_format!r}; use one of {IMAGE_FORMATS}.")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists); :meth:`from_dict` reads it back."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ShapesWorldConfig:
        """The inverse of :meth:`to_dict`."""
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(
                f"Unknown ShapesWorldConfig field(s) {unknown}; known: {list(cls.__dataclass_fields__)}."
            )
        kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()}
        if "sizes" in kwargs:
            kwargs["sizes"] = {n: tuple(r) for n, r in kwargs["sizes"].items()}
        return cls(**kwargs)


# What :meth:`ShapesWorldConfig.plain_rendering` resets: how images look, not what they show.
_RENDERING_FIELDS = (
    "backgrounds",
    "noise_std",
    "tint",
    "contrast",
    "fills",
    "aliased",
    "blur",
    "jpeg",
    "clutter",
    "proportions",
    "plain_share",
)


def class_tuples(cfg: ShapesWorldConfig, *, with_size: bool = False) -> list[tuple[str, ...]]:
    """``(colour, shape)`` of every class, or ``(size, colour, shape)`` with ``with_size``.

    Sorted by class name (the words joined by spaces), which is the label
    order ``torchvision.datasets.ImageFolder`` assigns to class folders.
    """
    pairs = [(c, s) for c in cfg.colours for s in cfg.shapes]
    tuples = [(z, *p) for z in cfg.sizes for p in pairs] if with_size else pairs
    return sorted(tuples, key=" ".join)


def class_names(cfg: ShapesWorldConfig, *, with_size: bool = False) -> list[str]:
    """Class names ``'<colour> <shape>'`` (``'<size> <colour> <shape>'`` with ``with_size``),
    sorted, so index i is ImageFolder's label i."""
    return [" ".join(t) for t in class_tuples(cfg, with_size=with_size)]


def check_novel_shapes(cfg: ShapesWorldConfig, novel: Sequence[str]) -> tuple[str, ...]:
    """``novel`` as a tuple, after checking it names some but not all of the world's shapes.

    The segmentation and detection writers hold these shapes out of training.

    Raises:
        TypeError: ``novel`` is a single string.
        ValueError: a name is not a shape of ``cfg``, or every shape is novel.
    """
    if isinstance(novel, str):
        raise TypeError(f"novel classes must be a list of shape names, got the string {novel!r}.")
    novel = tuple(novel)
    unknown = [n for n in novel if n not in cfg.shapes]
    if unknown:
        raise ValueError(
            f"Novel shape(s) {unknown} are not shapes of this world: {list(cfg.shapes)}."
        )
    if len(set(novel)) == len(cfg.shapes):
        raise ValueError(
            f"Every shape is novel ({list(novel)}); leave at least one base shape to train on."
        )
    return novel
