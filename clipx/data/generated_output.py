"""Idempotent output folders for the data generators (``meta.json`` written last)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path


def is_current(out: Path, wanted: dict, *, force: bool, what: str) -> bool:
    """Whether ``out`` already holds ``what`` as ``wanted`` describes.

    ``out/meta.json`` is written last, so its presence means a complete output.

    Raises:
        SystemExit: ``out`` holds a different config and ``force`` is not set.
    """
    meta = out / "meta.json"
    if force or not meta.is_file():
        return False
    found = json.loads(meta.read_text(encoding="utf-8"))
    if {k: found.get(k) for k in wanted} == wanted:
        print(f"{out} already holds these {what} (meta.json matches); nothing to do. Use --force to redo.")
        return True
    raise SystemExit(
        f"{out} holds {what} with a different config or counts (see {meta}). "
        "Pass --force to replace them, or choose another --out."
    )


def clear(out: Path, names: Sequence[str]) -> None:
    """Remove ``meta.json`` and the generator's own output folders, nothing else."""
    for name in ("meta.json", *names):
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def write_meta(out: Path, wanted: dict, written: dict) -> None:
    """Record what was generated; call it last."""
    (out / "meta.json").write_text(json.dumps(wanted | {"outputs": written}, indent=2) + "\n", encoding="utf-8")
