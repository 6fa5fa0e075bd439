"""Caches of frozen-backbone embeddings: one folder, one metadata file, items written whole.

With the image tower frozen, what it computes for a fixed input never
changes, so heads that train on its embeddings (video frames for CLIP4Clip,
proposal crops for ViLD-image) compute them once. Both caches follow one
protocol, :class:`FeatureCache`:

* a metadata file (``meta.json``, ViLD's ``index.json``) holding the
  *settings* that decide every item: the backbone's identity
  (:func:`backbone_identity`: architecture, precision, preprocessing and a
  content hash of the image tower's weights), the sampling or cropping, the
  format version;
* items (shards of videos, one file per image), each written to a temporary
  name and renamed, so a stopped run leaves only finished items, and a rerun
  skips them (resume);
* a rerun, or a reader, whose settings differ from the folder's is refused
  with a message naming every differing setting and what to do (rerun with
  ``--overwrite``, or another folder), so stale embeddings never train a
  model silently;
* items that could not be read are recorded under ``skipped`` in the
  metadata (kept across resumed runs), counted and reported.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from mmengine.logging import print_log

from .frozen_clip import FrozenCLIP


def _weights_source(get: Callable[[str], Any], *, built: bool) -> dict[str, Any]:
    checkpoint, pretrained = get("checkpoint"), get("pretrained")
    if checkpoint is not None:
        path = Path(checkpoint)
        if not path.is_file():
            raise FileNotFoundError(f"The backbone's checkpoint '{checkpoint}' does not exist.")
        return {"checkpoint": str(path.resolve())}
    if pretrained is not None:
        return {"pretrained": str(pretrained)}
    if built:
        return {"random_init": True}  # the content hash still tells these weights apart
    raise ValueError(
        f"The backbone config {get('model_name')} has random weights (no checkpoint= or "
        "pretrained=), drawn anew at every build, so cached embeddings could not be matched to the "
        "model that uses them; give the backbone a checkpoint or a published tag."
    )


def _build(cfg: Mapping) -> FrozenCLIP:
    from clipx.registry import MODELS

    if "type" in cfg:
        return MODELS.build(dict(cfg))
    return FrozenCLIP(**cfg)


def backbone_identity(clip: FrozenCLIP | Mapping) -> dict:
    """What decides a frozen backbone's image embeddings, from a ``FrozenCLIP`` or its config.

    Returns:
        ``{"model_name", "precision"``, where the weights came from
        (``"checkpoint"``: the resolved path, ``"pretrained"``: the tag, or
        ``"random_init"`` for a built model without either),
        ``"preprocess"`` (the preprocessing config), ``"image_tower"``
        (:meth:`FrozenCLIP.image_fingerprint`)``}``. A config is built (its
        weights loaded) to hash them.

    Raises:
        ValueError: a config without ``checkpoint`` or ``pretrained``: its
            random weights differ at every build, so no cache can match them.
        FileNotFoundError: the checkpoint file does not exist.
    """
    if isinstance(clip, Mapping):
        source = _weights_source(clip.get, built=False)
        # building draws random initial weights before the checkpoint loads: checking a cache
        # must leave the run's random stream (sampling, initialisation) where it was
        with torch.random.fork_rng(devices=[]):
            model = _build(clip)
    else:
        source = _weights_source(lambda key: getattr(clip, key, None), built=True)
        model = clip
    preprocess = json.loads(json.dumps(dict(model.preprocess_cfg), sort_keys=True))
    return {
        "model_name": model.model_name,
        "precision": model.precision,
        **source,
        "preprocess": preprocess,
        "image_tower": model.image_fingerprint(),
    }


def settings_differences(found: Mapping, wanted: Mapping, prefix: str = "") -> list[str]:
    """``'key: <found> in the folder, <wanted> now'`` for every key of ``wanted`` that differs.

    Nested dicts are compared key by key (``'backbone.image_tower: ...'``).
    """
    out = []
    for key, want in wanted.items():
        have = found.get(key) if isinstance(found, Mapping) else None
        name = f"{prefix}{key}"
        if isinstance(want, Mapping) and isinstance(have, Mapping):
            out += settings_differences(have, want, prefix=f"{name}.")
        elif have != want:
            out.append(f"{name}: {have!r} in the folder, {want!r} now")
    return out


def _normalise(data: Any) -> Any:
    """``data`` as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(data))


class CacheMismatchError(ValueError):
    """A cache folder was computed with other settings than the ones asked for."""


class FeatureCache:
    """One folder of embeddings computed by a frozen backbone (see the module docstring).

    Writing: :meth:`start` (check or write the settings), :meth:`done` /
    :meth:`save` per item, :meth:`skip` per unreadable item, :meth:`finish`
    (the metadata with what the run adds, written last). Reading:
    :meth:`read_meta` and :meth:`check`.

    Args:
        folder: the cache folder.
        what: what it holds, for messages (``'frame embeddings'``).
        tool: the command that writes it, for messages
            (``'python tools/video_precompute.py CONFIG'``).
        item_pattern: glob (relative to ``folder``) of the item files, the
            only files :meth:`start` deletes with ``overwrite``.
        meta_name: the metadata file's name.
        folder_option: the option that points a reader or the tool at
            another folder, for messages (``'feature_dir'``).
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        *,
        what: str,
        tool: str,
        item_pattern: str,
        meta_name: str = "meta.json",
        folder_option: str = "--out",
    ) -> None:
        self.folder = Path(folder)
        self.what = what
        self.tool = tool
        self.item_pattern = item_pattern
        self.meta_path = self.folder / meta_name
        self.folder_option = folder_option
        self.settings: dict = {}
        self._skipped: list[dict] = []
        self._previous_skipped: list[dict] = []

    # ------------------------------------------------------------------ reading
    def read_meta(self) -> dict:
        """The metadata; FileNotFoundError says how to compute the cache."""
        if not self.meta_path.is_file():
            raise FileNotFoundError(
                f"No {self.what} in '{self.folder}' ({self.meta_path.name} is missing); compute them "
                f"with `{self.tool}`."
            )
        return json.loads(self.meta_path.read_text(encoding="utf-8"))

    def check(self, found: Mapping, wanted: Mapping, *, resuming: bool = False) -> None:
        """Raise :class:`CacheMismatchError` naming every setting where ``found`` differs from ``wanted``.

        Args:
            found: the folder's metadata.
            wanted: the settings asked for (only these keys are compared).
            resuming: a writer about to add items (the message says that
                resuming would mix the two) rather than a reader.
        """
        differences = settings_differences(found, _normalise(dict(wanted)))
        if not differences:
            return
        listed = "; ".join(differences)
        if resuming:
            raise CacheMismatchError(
                f"'{self.folder}' holds {self.what} computed with other settings ({listed}); "
                "resuming would mix the two. Remove the folder or rerun with --overwrite to start it "
                f"afresh, or choose another folder ({self.folder_option})."
            )
        raise CacheMismatchError(
            f"The {self.what} in '{self.folder}' were computed with other settings than asked for "
            f"({listed}); recompute them with `{self.tool} --overwrite`, or point "
            f"{self.folder_option} at another folder."
        )

    # ------------------------------------------------------------------ writing
    def items(self) -> list[Path]:
        """The finished item files (and any left-over temporary ones)."""
        return sorted(self.folder.glob(self.item_pattern))

    def start(self, settings: Mapping, *, overwrite: bool = False) -> None:
        """Begin a (possibly resumed) run with ``settings``.

        A folder with finished items whose metadata records other settings is
        refused (:class:`CacheMismatchError`) unless ``overwrite``, which
        deletes the metadata and the item files first. Records of unreadable
        items from earlier runs are kept for :meth:`finish`.
        """
        self.settings = _normalise(dict(settings))
        if overwrite:
            self._clear()
        previous = {}
        if self.meta_path.is_file():
            previous = json.loads(self.meta_path.read_text(encoding="utf-8"))
            if self.items():
                self.check(previous, self.settings, resuming=True)
            elif settings_differences(previous, self.settings):
                previous = {}  # nothing was computed with the old settings
        self._previous_skipped = list(previous.get("skipped", []))
        self._skipped = []
        self._write_meta({**previous, **self.settings})

    def path(self, name: str) -> Path:
        """Where item ``name`` (a path relative to the folder) lives."""
        return self.folder / name

    def done(self, name: str) -> bool:
        """Whether item ``name`` was finished (by this or an earlier run)."""
        return self.path(name).is_file()

    def save(self, name: str, write: Callable[[Path], None]) -> Path:
        """Write item ``name`` atomically: ``write(tmp_path)``, then rename it into place."""
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.tmp{path.suffix}")
        write(tmp)
        os.replace(tmp, path)
        return path

    def skip(self, key: str, error: str, **info: Any) -> None:
        """Record that item ``key`` could not be read (``info``: more fields to record)."""
        self._skipped.append({"key": str(key), **info, "error": error})

    @property
    def skipped(self) -> list[dict]:
        """Unreadable items recorded by this run."""
        return list(self._skipped)

    def finish(self, *, attempted: Iterable[str], **records: Any) -> dict:
        """Write the metadata: the settings, ``records`` and every unreadable item.

        Args:
            attempted: keys of the items this run tried; earlier records of
                those are replaced by this run's, the others are kept.
            **records: what the run adds (e.g. the finished items' index).

        Returns:
            The metadata written.
        """
        tried = {str(k) for k in attempted}
        skipped = [s for s in self._previous_skipped if s.get("key") not in tried] + self._skipped
        meta = {**self.settings, **_normalise(records), "skipped": skipped}
        self._write_meta(meta)
        self._report(skipped)
        return meta

    def _report(self, skipped: Sequence[dict]) -> None:
        if not self._skipped:
            return
        first = self._skipped[0]
        print_log(
            f"{len(self._skipped)} item(s) could not be read this run and are skipped "
            f"({len(skipped)} in all, listed under 'skipped' in {self.meta_path}); e.g. "
            f"{first['key']}: {first['error']}",
            logger="current",
            level=logging.WARNING,
        )

    def _write_meta(self, meta: Mapping) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.meta_path.with_name(self.meta_path.name + ".tmp")
        tmp.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.meta_path)

    def _clear(self) -> None:
        for path in self.items():
            path.unlink()
        if self.meta_path.is_file():
            self.meta_path.unlink()
