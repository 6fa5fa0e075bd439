"""Prompt templates: named sets of strings with one ``{}`` for the class name."""

from __future__ import annotations

from collections.abc import Sequence

from open_clip import OPENAI_IMAGENET_TEMPLATES

# The 80 templates of the CLIP paper's ImageNet evaluation, as format strings.
IMAGENET_TEMPLATES: tuple[str, ...] = tuple(t("{}") for t in OPENAI_IMAGENET_TEMPLATES)

# A short set for when 80 forward passes per class are too many.
DEFAULT_TEMPLATES: tuple[str, ...] = (
    "a photo of a {}.",
    "a picture of a {}.",
    "an image of a {}.",
    "a photo of the {}.",
    "a rendering of a {}.",
    "a close-up photo of a {}.",
    "a photo of a small {}.",
    "a photo of a large {}.",
)

TEMPLATE_SETS: dict[str, tuple[str, ...]] = {
    "imagenet80": IMAGENET_TEMPLATES,
    "default": DEFAULT_TEMPLATES,
    "name": ("{}",),  # the class name alone
}


def resolve_templates(templates: str | Sequence[str]) -> tuple[str, ...]:
    """A named set (``'imagenet80'``, ``'default'``, ``'name'``) or explicit templates."""
    if isinstance(templates, str):
        if templates not in TEMPLATE_SETS:
            raise ValueError(
                f"Unknown template set '{templates}'. Known: {sorted(TEMPLATE_SETS)}; or pass a list "
                "of strings with one '{}' each."
            )
        return TEMPLATE_SETS[templates]
    out = tuple(templates)
    if not out:
        raise ValueError("templates is empty; pass at least one, e.g. ['a photo of a {}.'].")
    for t in out:
        if t.count("{}") != 1:
            raise ValueError(f"Template {t!r} must contain exactly one '{{}}' for the class name.")
    return out
