"""Captions from a small grammar: of scenes ("a small red circle above a blue star") and of clips.

Every caption names each object's colour and shape; image captions may add a
size word, a relation between two objects or an object's place in the image,
clip captions (:func:`caption_clip`) each object's direction of motion.
Captions draw their words from the generator they are given, so the same
generator state gives the same caption.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .scene import Scene, ShapeObject

if TYPE_CHECKING:
    from .motion import MovingScene

# A relation is only stated when one axis dominates the offset by this factor.
_RELATION_RATIO = 1.3
# How an image caption starts ("{}" takes the objects); the grounding captions share them.
IMAGE_PREFIXES = ("{}", "a photo of {}", "an image of {}", "a picture of {}", "there is {}")
_CLIP_PREFIXES = ("{}", "a video of {}", "a clip of {}", "footage of {}")
_MOTION_FORMS = ("{} moving {}", "{} that moves {}", "{} going {}")
_PLACES = (
    ("in the top left", "at the top", "in the top right"),
    ("on the left", "in the middle", "on the right"),
    ("in the bottom left", "at the bottom", "in the bottom right"),
)
# The word a top- or bottom-row place may open with ("up at the top"), so the
# text tower learns "up" and "down" before a video head asks it about motion.
_VERTICAL_WORDS = ("up", None, "down")


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def object_phrase(obj: ShapeObject, *, with_size: bool) -> str:
    """``'a small red circle'`` (``with_size``) or ``'a red circle'``."""
    words = [obj.size, obj.colour, obj.shape] if with_size else [obj.colour, obj.shape]
    return f"{_article(words[0])} {' '.join(words)}"


def relation(a: ShapeObject, b: ShapeObject) -> str | None:
    """Where ``a`` is relative to ``b``: ``'above'``, ``'below'``, ``'left of'`` or
    ``'right of'``; None when the offset is too diagonal to say."""
    dx = a.center[0] - b.center[0]
    dy = a.center[1] - b.center[1]
    if max(abs(dx), abs(dy)) < _RELATION_RATIO * min(abs(dx), abs(dy)):
        return None
    if abs(dy) > abs(dx):
        return "above" if dy < 0 else "below"
    return "left of" if dx < 0 else "right of"


def place(obj: ShapeObject, image_size: int, *, vertical_word: bool = False) -> str:
    """Where ``obj`` is in the image, by thirds: ``'in the top left'``, ``'on the right'``,
    ``'in the middle'``, ...; with ``vertical_word``, a top- or bottom-row place
    opens with ``'up'`` or ``'down'`` (``'up in the top left'``, ``'down at the bottom'``)."""
    col, row = (max(min(int(3 * c / image_size), 2), 0) for c in obj.center)
    words = _PLACES[row][col]
    lead = _VERTICAL_WORDS[row] if vertical_word else None
    return f"{lead} {words}" if lead else words


def join_phrases(parts: Sequence[str]) -> str:
    """``'a, b and c'``: phrases listed the way the captions list objects."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def caption_scene(scene: Scene, rng: np.random.Generator) -> str:
    """One caption of ``scene`` that names every object's colour and shape.

    Objects are listed in random order, each with its size word half of the
    time; when the first two are clearly apart, the first is placed relative
    to the second ("a red circle above a blue star and a green cross").
    Otherwise, half of the time, the last object says where it is in the
    image ("a blue star and a green cross on the left"), so the model learns
    absolute position words too; half of the top- and bottom-row places open
    with "up" or "down" ("a red circle up in the top left"), the only image
    captions that teach the words clip captions use for vertical motion.
    """
    objects = [scene.objects[i] for i in rng.permutation(len(scene.objects))]
    phrases = [object_phrase(o, with_size=bool(rng.random() < 0.5)) for o in objects]
    use_relation = bool(rng.random() < 0.75)
    rel = relation(objects[0], objects[1]) if len(objects) > 1 and use_relation else None
    if rel is None and rng.random() < 0.5:
        where = place(objects[-1], scene.image_size, vertical_word=bool(rng.random() < 0.5))
        phrases[-1] = f"{phrases[-1]} {where}"
    parts = [f"{phrases[0]} {rel} {phrases[1]}", *phrases[2:]] if rel else phrases
    return IMAGE_PREFIXES[int(rng.integers(len(IMAGE_PREFIXES)))].format(join_phrases(parts))


def distinct_captions(draw: Callable[[], str], num: int) -> list[str]:
    """Up to ``num`` distinct results of ``draw()``, in first-drawn order.

    Stops after ``10 * num`` draws, so a grammar with fewer than ``num``
    captions for a scene gives fewer.
    """
    captions: dict[str, None] = {}
    for _ in range(10 * num):
        captions[draw()] = None
        if len(captions) == num:
            break
    return list(captions)


def caption_variants(scene: Scene, rng: np.random.Generator, num: int) -> list[str]:
    """Up to ``num`` distinct captions of ``scene`` (fewer only if the grammar runs out)."""
    return distinct_captions(lambda: caption_scene(scene, rng), num)


def caption_clip(clip: MovingScene, rng: np.random.Generator, *, motion: bool) -> str:
    """One caption of a clip naming every object's colour and shape (and direction, with ``motion``).

    ``motion=False`` gives the ``static`` caption set ("a red circle and a
    small blue square"), ``motion=True`` the ``motion`` set ("a red circle
    moving left and a small blue square going up").
    """
    phrases = []
    for i in rng.permutation(len(clip.motions)):
        phrase = object_phrase(clip.scene.objects[i], with_size=bool(rng.random() < 0.5))
        if motion:
            form = _MOTION_FORMS[int(rng.integers(len(_MOTION_FORMS)))]
            phrase = form.format(phrase, clip.motions[i].direction)
        phrases.append(phrase)
    return _CLIP_PREFIXES[int(rng.integers(len(_CLIP_PREFIXES)))].format(join_phrases(phrases))


def clip_caption_variants(
    clip: MovingScene, rng: np.random.Generator, num: int, *, motion: bool
) -> list[str]:
    """Up to ``num`` distinct captions of a clip (fewer only if the grammar runs out)."""
    return distinct_captions(lambda: caption_clip(clip, rng, motion=motion), num)
