"""Class names x templates -> class embeddings, the CLIP way, cached."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from .templates import resolve_templates

if TYPE_CHECKING:
    from .frozen_clip import FrozenCLIP


class PromptBank:
    """Builds and caches the (C, D) class-embedding matrix heads take as input.

    Every template is filled with every class name and encoded; each text
    embedding is normalised, averaged over templates, and normalised again
    (:meth:`embed`); :meth:`embed_prompts` keeps the templates apart. Results
    are cached in memory and, with ``cache_dir``, on disk, keyed by the text
    tower's content fingerprint, the templates and the class names, so a
    second request for the same vocabulary runs no text-encoder forward. While
    parts of the text tower train nothing is cached: every call encodes anew,
    with gradients.

    Args:
        templates: default template set: a name (``'default'``, ``'imagenet80'``,
            ``'name'``) or a list of strings with one ``{}``.
        cache_dir: optional folder for the on-disk cache.
        batch_size: texts per encoder forward.
    """

    def __init__(
        self,
        *,
        templates: str | Sequence[str] = "default",
        cache_dir: str | os.PathLike | None = None,
        batch_size: int = 256,
    ) -> None:
        self.templates = resolve_templates(templates)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.batch_size = int(batch_size)
        self._memory: dict[str, torch.Tensor] = {}
        self.hits = 0
        self.misses = 0

    def key(self, clip: FrozenCLIP, class_names: Sequence[str], templates: Sequence[str]) -> str:
        h = hashlib.sha1(clip.text_fingerprint().encode())
        for part in ("T", *templates, "C", *class_names):
            h.update(part.encode("utf-8") + b"\x00")
        return h.hexdigest()

    def embed(
        self,
        clip: FrozenCLIP,
        class_names: Sequence[str],
        *,
        templates: str | Sequence[str] | None = None,
    ) -> torch.Tensor:
        """Class embeddings (the prompt ensemble).

        Args:
            clip: the backbone whose text tower encodes the prompts.
            class_names: C names (any unicode).
            templates: overrides the bank's default set for this call.

        Returns:
            (C, D) float32, each row L2-normalised.
        """
        names, temps = self._check(class_names, templates)
        if not clip.is_frozen("text"):
            return _ensemble(self._encode(clip, names, temps))
        key = self.key(clip, names, temps)
        cached = self._memory.get(key)
        if cached is None and self.cache_dir is not None and (self.cache_dir / f"{key}.pt").is_file():
            cached = torch.load(self.cache_dir / f"{key}.pt", map_location="cpu", weights_only=True)
            self._memory[key] = cached
        if cached is not None:
            self.hits += 1
            return cached.to(clip.device)
        self.misses += 1
        embeds = _ensemble(self._encode(clip, names, temps))
        self._memory[key] = embeds.cpu()
        if self.cache_dir is not None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_dir / f"{key}.pt.tmp"
            torch.save(embeds.cpu(), tmp)
            os.replace(tmp, self.cache_dir / f"{key}.pt")
        return embeds

    def embed_prompts(
        self,
        clip: FrozenCLIP,
        class_names: Sequence[str],
        *,
        templates: str | Sequence[str] | None = None,
    ) -> torch.Tensor:
        """Every template's embedding of every class, not averaged (cached in memory).

        Returns:
            (C, K, D) float32 for K templates, each row L2-normalised.
        """
        names, temps = self._check(class_names, templates)
        if not clip.is_frozen("text"):
            return self._encode(clip, names, temps)
        return self._per_template(clip, names, temps).to(clip.device)

    def _check(
        self, class_names: Sequence[str], templates: str | Sequence[str] | None
    ) -> tuple[list[str], tuple[str, ...]]:
        if isinstance(class_names, str):
            raise TypeError(f"class_names must be a list of names, got the single string {class_names!r}.")
        names = [str(n) for n in class_names]
        if not names:
            raise ValueError("class_names is empty; pass at least one class name.")
        temps = resolve_templates(templates) if templates is not None else self.templates
        return names, temps

    def _per_template(self, clip: FrozenCLIP, names: list[str], templates: tuple[str, ...]) -> torch.Tensor:
        key = "prompts:" + self.key(clip, names, templates)
        cached = self._memory.get(key)
        if cached is None:
            cached = self._encode(clip, names, templates).cpu()
            self._memory[key] = cached
        return cached

    def _encode(self, clip: FrozenCLIP, names: list[str], templates: tuple[str, ...]) -> torch.Tensor:
        prompts = [t.format(n) for n in names for t in templates]
        chunks = [
            clip.encode_text(prompts[i : i + self.batch_size]) for i in range(0, len(prompts), self.batch_size)
        ]
        return F.normalize(torch.cat(chunks).reshape(len(names), len(templates), -1), dim=-1)

    def clear(self) -> None:
        """Forget the in-memory cache (the disk cache stays)."""
        self._memory.clear()


def _ensemble(per_template: torch.Tensor) -> torch.Tensor:
    """(C, K, D) normalised prompt embeddings -> (C, D): mean over templates, normalised."""
    return F.normalize(per_template.mean(dim=1), dim=-1)
