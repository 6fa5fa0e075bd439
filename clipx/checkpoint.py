"""Reading and writing checkpoints safely.

``torch.load`` defaults to ``weights_only=True`` since torch 2.6, which refuses
mmengine's own resume checkpoints (they pickle a ``HistoryBuffer`` and numpy
arrays). Rather than turning that safety off for every file a user points at,
:func:`allow_mmengine_checkpoints` allow-lists exactly the classes that
mmengine and clipx write.

A *clipx checkpoint* is a plain dict ``{'state_dict': <open_clip state dict>,
'clipx_meta': {...}}``: ``open_clip.create_model(arch, pretrained=<file>)``
reads it as is, and :class:`~clipx.backbone.FrozenCLIP` also checks the
architecture recorded in ``clipx_meta``.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import torch

CLIPX_META_KEY = "clipx_meta"


def _safe_classes() -> list:
    from mmengine.logging.history_buffer import HistoryBuffer

    classes: list = [HistoryBuffer, np.ndarray, np.dtype, OrderedDict]
    classes.extend(type(np.dtype(t)) for t in ("float64", "float32", "float16", "int64", "int32", "uint8", "bool"))
    classes.extend([np.float64, np.float32, np.int64, np.int32, np.bool_])
    try:  # numpy >= 2 pickles scalars through numpy._core.multiarray.scalar
        from numpy._core.multiarray import _reconstruct, scalar

        classes.extend([_reconstruct, scalar])
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import scalar

        classes.append(scalar)
    return classes


_ALLOWED = False


def _history_buffer_reduce(self):
    # mmengine pickles the buffer's table of statistics methods, i.e. calls to
    # getattr(HistoryBuffer, 'min'), which weights_only loading rightly refuses.
    # Rebuild from the data alone: the table is class-level state anyway.
    return (type(self), (self._log_history, self._count_history, self.max_length))


def allow_mmengine_checkpoints() -> None:
    """Make mmengine's resume checkpoints loadable with ``weights_only=True``.

    Allow-lists the classes mmengine checkpoints hold (``HistoryBuffer``, numpy
    arrays, dtypes and scalars), and makes ``HistoryBuffer`` pickle as data only,
    so checkpoints written after this call contain nothing else. Idempotent;
    clipx's entry points call it before building a Runner.
    """
    global _ALLOWED
    if not _ALLOWED:
        from mmengine.logging.history_buffer import HistoryBuffer

        HistoryBuffer.__reduce__ = _history_buffer_reduce
        torch.serialization.add_safe_globals(_safe_classes())
        _ALLOWED = True


def load_checkpoint_file(path: str | os.PathLike) -> Any:
    """``torch.load`` a user's file on the CPU with ``weights_only`` safety kept.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is not a torch checkpoint or holds objects that are
            not allow-listed (say which).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Checkpoint file '{path}' does not exist. Pass the path of an open_clip/OpenAI state "
            "dict or a clipx checkpoint (absolute, or relative to the working directory)."
        )
    allow_mmengine_checkpoints()
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path), device="cpu")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises UnpicklingError / RuntimeError variants
        raise ValueError(
            f"Could not read checkpoint '{path}' with weights_only=True: {err}. clipx only loads "
            "tensors and the classes mmengine/clipx write; re-save the weights as a plain state dict "
            "(torch.save(model.state_dict(), path))."
        ) from err


def extract_clip_state_dict(obj: Any, path: str | os.PathLike) -> tuple[dict, dict]:
    """Find the CLIP weights inside a loaded checkpoint.

    Accepts a bare open_clip/OpenAI state dict, ``{'state_dict': ...}`` (also
    with a ``module.`` prefix), a clipx checkpoint, or an mmengine checkpoint of
    a model that holds a CLIP under some attribute (``clip.``, ``backbone.clip.``
    ...): the prefix in front of ``logit_scale`` is found and stripped.

    Returns:
        ``(state_dict, clipx_meta)``; ``clipx_meta`` is ``{}`` when absent.
    """
    if not isinstance(obj, dict):
        raise ValueError(f"Checkpoint '{path}' holds a {type(obj).__name__}, not a state dict.")
    meta = dict(obj.get(CLIPX_META_KEY, {}))
    state = obj.get("state_dict", obj)
    if not isinstance(state, dict) or not state:
        raise ValueError(f"Checkpoint '{path}' has no state dict (keys: {sorted(obj)[:10]}).")
    anchors = [k for k in state if k.endswith("logit_scale")]
    if anchors:
        prefix = min(anchors, key=len)[: -len("logit_scale")]
    else:
        prefix = "module." if all(k.startswith("module.") for k in state) else ""
    if prefix:
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    return state, meta


def save_clipx_checkpoint(
    model: torch.nn.Module,
    path: str | os.PathLike,
    *,
    model_name: str,
    preprocess_cfg: dict | None = None,
    extra_meta: dict | None = None,
) -> Path:
    """Write ``model``'s open_clip state dict with the metadata clipx checks on load.

    The file loads into :class:`~clipx.backbone.FrozenCLIP` (``checkpoint=path``)
    and into plain open_clip (``open_clip.create_model(model_name, pretrained=path)``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"model_name": model_name, "preprocess_cfg": dict(preprocess_cfg or {})}
    meta.update(extra_meta or {})
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"state_dict": state, CLIPX_META_KEY: meta}, tmp)
    os.replace(tmp, path)
    return path
