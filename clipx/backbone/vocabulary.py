"""The one label type every head that scores against text holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .contract import CLIPBackbone


@dataclass(frozen=True)
class Vocabulary:
    """Label names and the prompt templates that turn them into text embeddings.

    A run-time input, never architecture: heads keep one (or a training and
    an inference one) and swap it without retraining. Label i is row i of
    :meth:`embed` and value i of a head's predictions.

    Two labels may share a name (ImageNet has two "crane" classes); heads whose
    labels must be distinct build with :meth:`of`, which refuses repeats.

    Attributes:
        names: the labels, non-empty.
        templates: a template-set name (``'default'``, ``'imagenet80'``,
            ``'name'``) or strings with one ``{}``; None: the backbone's default.
    """

    names: tuple[str, ...]
    templates: str | tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.names, str):
            raise TypeError(f"Label names must be a list of strings, got the single string {self.names!r}.")
        names = tuple(str(n) for n in self.names)
        if not names:
            raise ValueError("The vocabulary is empty; give at least one label name.")
        object.__setattr__(self, "names", names)
        if self.templates is not None and not isinstance(self.templates, str):
            object.__setattr__(self, "templates", tuple(self.templates))

    @classmethod
    def of(cls, names: Sequence[str], templates: str | Sequence[str] | None = None) -> Vocabulary:
        """A vocabulary of distinct names (a label listed twice is refused, naming it)."""
        vocabulary = cls(names, templates)
        repeated = sorted({n for n in vocabulary.names if vocabulary.names.count(n) > 1})
        if repeated:
            raise ValueError(
                f"The vocabulary lists {repeated} twice or more: {list(vocabulary.names)}; give each label once."
            )
        return vocabulary

    @classmethod
    def from_metainfo(
        cls, metainfo: Mapping | None, templates: str | Sequence[str] | None = None, *, owner: str = "The head"
    ) -> Vocabulary:
        """The ``'classes'`` of a dataset's metainfo (mmengine's convention)."""
        names = (metainfo or {}).get("classes")
        if not names:
            raise ValueError(
                f"{owner} has no vocabulary: pass class_names=[...], or use a dataset whose metainfo "
                f"(data samples' metainfo['classes']) lists the classes; got metainfo keys "
                f"{sorted(metainfo or {})}."
            )
        return cls(tuple(names), templates)

    @classmethod
    def resolve(
        cls,
        fixed: Vocabulary | None,
        samples: Sequence,
        templates: str | Sequence[str] | None = None,
        *,
        owner: str = "The head",
    ) -> Vocabulary:
        """``fixed`` when a head was given one, else the first data sample's ``metainfo['classes']``."""
        if fixed is not None:
            return fixed
        metainfo = getattr(samples[0], "metainfo", None) if len(samples) else None
        return cls.from_metainfo(metainfo, templates, owner=owner)

    def embed(self, backbone: CLIPBackbone) -> torch.Tensor:
        """(C, D) L2-normalised class embeddings (the prompt ensemble, cached by the backbone)."""
        return backbone.embed_classes(list(self.names), templates=self.templates)

    def embed_prompts(self, backbone: CLIPBackbone) -> torch.Tensor:
        """(C, K, D) L2-normalised embeddings, one per template (cached by the backbone)."""
        return backbone.embed_prompts(list(self.names), templates=self.templates)

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self):
        return iter(self.names)
