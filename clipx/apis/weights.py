"""Loading a runner checkpoint into a built model, with errors that say what does not fit."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from mmengine.config import Config
from torch import nn

from clipx.checkpoint import CLIPX_META_KEY, load_checkpoint_file

from .config import config_root

# Runner.experiment_name is '<config file stem>_<YYYYMMDD_HHMMSS>'.
_RUN_TIMESTAMP = re.compile(r"_\d{8}_\d{6}$")


class CheckpointMismatchError(ValueError):
    """A checkpoint whose tensors do not match the model's (names or shapes)."""


@dataclass(frozen=True)
class StateDictDiff:
    """How a checkpoint's state dict differs from a model's.

    Attributes:
        missing: keys the model has and the checkpoint lacks.
        unexpected: keys the checkpoint has and the model lacks.
        mismatched: ``(key, checkpoint shape, model shape)`` of tensors in both
            whose shapes differ.
    """

    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    mismatched: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...]

    @classmethod
    def between(cls, model_state: Mapping[str, Any], saved: Mapping[str, Any]) -> StateDictDiff:
        """Compare ``saved`` (a checkpoint's state dict) against ``model_state``."""
        shapes = []
        for key in model_state.keys() & saved.keys():
            ours, theirs = model_state[key], saved[key]
            if isinstance(ours, torch.Tensor) and isinstance(theirs, torch.Tensor):
                if ours.shape != theirs.shape:
                    shapes.append((key, tuple(theirs.shape), tuple(ours.shape)))
        return cls(
            missing=tuple(k for k in model_state if k not in saved),
            unexpected=tuple(k for k in saved if k not in model_state),
            mismatched=tuple(sorted(shapes)),
        )

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.mismatched)

    def describe(self, limit: int = 3) -> str:
        """One line: counts and the first ``limit`` keys of each kind of difference."""
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} missing key(s) {_first(self.missing, limit)}")
        if self.unexpected:
            parts.append(
                f"{len(self.unexpected)} unexpected key(s) {_first(self.unexpected, limit)}"
            )
        if self.mismatched:
            shapes = [f"{k}: checkpoint {c} vs model {m}" for k, c, m in self.mismatched]
            parts.append(f"{len(shapes)} key(s) with another shape {_first(shapes, limit)}")
        return "; ".join(parts)


def _first(items: tuple[str, ...] | list[str], limit: int) -> str:
    more = f", ... {len(items) - limit} more" if len(items) > limit else ""
    return "(" + ", ".join(items[:limit]) + more + ")"


def checkpoint_state_dict(loaded: Any, path: str | os.PathLike) -> tuple[dict, dict]:
    """``(state_dict, meta)`` of a loaded runner checkpoint or a bare state dict.

    A DDP ``module.`` prefix on every key is removed.
    """
    if not isinstance(loaded, Mapping):
        raise ValueError(f"Checkpoint '{path}' holds a {type(loaded).__name__}, not a state dict.")
    state = loaded.get("state_dict", loaded)
    if not isinstance(state, Mapping) or not state:
        raise ValueError(
            f"Checkpoint '{path}' holds no state dict (top-level keys: {sorted(loaded)[:10]})."
        )
    if all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    return dict(state), dict(loaded.get("meta") or {})


def load_model_checkpoint(
    model: nn.Module, checkpoint: str | os.PathLike, *, config: Config | None = None
) -> dict:
    """Load a runner checkpoint (``work_dirs/<config>/iter_N.pth``) into ``model``, strictly.

    Read with ``torch.load(weights_only=True)`` and the allow-list of
    :func:`clipx.checkpoint.allow_mmengine_checkpoints`.

    Args:
        model: the built model.
        checkpoint: an mmengine checkpoint (``{'meta', 'state_dict', ...}``)
            or a bare state dict.
        config: the config ``model`` was built from, named in errors.

    Returns:
        The checkpoint's ``meta`` (``{}`` when it has none).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a readable state dict.
        CheckpointMismatchError: its tensors do not fit the model.
    """
    path = Path(checkpoint)
    if not path.is_file():
        raise FileNotFoundError(
            f"Checkpoint file '{path}' does not exist (working directory: {os.getcwd()}). Pass a "
            "runner checkpoint such as work_dirs/<config name>/iter_N.pth, or checkpoint=None for "
            "the weights the config itself builds."
        )
    loaded = load_checkpoint_file(path)
    state, meta = checkpoint_state_dict(loaded, path)
    diff = StateDictDiff.between(model.state_dict(), state)
    if diff:
        raise CheckpointMismatchError(
            f"Checkpoint '{path}' does not fit the {type(model).__name__} that "
            f"{_config_name(config)} builds: {diff.describe()}. {_origin_hint(loaded, meta, config)}"
        )
    model.load_state_dict(state, strict=True)
    return meta


def _config_name(config: Config | None) -> str:
    filename = config.filename if config is not None else None
    return f"config '{filename}'" if filename else "the config"


def _origin_hint(loaded: Mapping, meta: Mapping, config: Config | None) -> str:
    """Which config the checkpoint probably belongs to, from what it records."""
    clip_meta = loaded.get(CLIPX_META_KEY)
    if clip_meta is not None:
        keys = _frozen_clip_keys(config.get("model") if config is not None else None, "model")
        option = (
            ", ".join(f"'{k}.checkpoint': PATH" for k in keys)
            or "'<FrozenCLIP key>.checkpoint': PATH"
        )
        return (
            f"It is a clipx CLIP checkpoint (architecture {clip_meta.get('model_name')!r}), not a "
            "runner checkpoint of a whole model: give it to the config's FrozenCLIP instead, "
            f"cfg_options={{{option}}} (tools: --cfg-options)."
        )
    run = meta.get("experiment_name")
    if run:
        stem = _RUN_TIMESTAMP.sub("", str(run))
        found = _find_config(stem, config)
        where = f" ({found})" if found else ""
        return f"Its meta says run '{run}' wrote it: load it with config '{stem}'{where}."
    if meta.get("cfg"):
        return (
            "Its meta holds the config it was trained with (checkpoint['meta']['cfg']): compare "
            "that model with this config's."
        )
    return "It records no config: check which config trained it (its work_dirs/<config name>/)."


def _find_config(stem: str, config: Config | None) -> Path | None:
    """A shipped config file named ``<stem>.py`` under configs/ or projects/*/configs/."""
    root = config_root(config.filename if config is not None else None)
    if root is None:
        return None
    for pattern in (f"configs/**/{stem}.py", f"projects/*/configs/**/{stem}.py"):
        for found in sorted(root.glob(pattern)):
            return found.relative_to(root)
    return None


def _frozen_clip_keys(node: Any, key: str) -> list[str]:
    """Dotted keys of the ``FrozenCLIP`` dicts inside a model config."""
    if not isinstance(node, Mapping):
        return []
    kind = node.get("type")
    name = kind if isinstance(kind, str) else getattr(kind, "__name__", "")
    if name.split(".")[-1] == "FrozenCLIP":
        return [key]
    return [found for k, v in node.items() for found in _frozen_clip_keys(v, f"{key}.{k}")]
