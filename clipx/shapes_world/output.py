"""What every shapes-world writer shares: saving images, atomic files, parallel drawing, idempotent folders.

* :func:`save_image`, :func:`atomic_write`: an image or a text file, the
  latter written to a temporary name and renamed, so a stopped writer never
  leaves a truncated annotation file behind.
* :func:`parallel_map`: draw items over worker processes, in order; each item
  seeds its own generator, so the output does not depend on the worker count.
* :func:`is_current`, :func:`clear`, :func:`write_meta`: a generator's output
  folder with ``meta.json`` written last; a rerun with the same request is
  skipped, a different one refused unless forced.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image
from tqdm import tqdm

META_FILE = "meta.json"


def save_image(image: np.ndarray, path: Path, image_format: str) -> None:
    """Save (H, W, 3) uint8 RGB as ``'png'`` (lossless) or ``'jpg'`` (quality 95)."""
    pil = Image.fromarray(image)
    if image_format == "jpg":
        pil.save(path, format="JPEG", quality=95)
    else:
        pil.save(path, format="PNG")


@contextmanager
def atomic_write(path: Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """A UTF-8 text file at ``<path>.tmp`` that replaces ``path`` once the block completes.

    Args:
        path: the final file.
        newline: as :func:`open`'s; ``''`` for the ``csv`` module.
    """
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline=newline, encoding="utf-8") as f:
        yield f
    os.replace(tmp, path)


def check_count(name: str, value: int) -> None:
    """Raise ValueError unless ``value`` is a positive integer (``name`` is the argument's name)."""
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={value!r}; use a positive integer.")


def parallel_map(
    fn: Callable[[int], Any], count: int, *, num_workers: int, progress: bool, desc: str
) -> list[Any]:
    """``[fn(i) for i in range(count)]``, in order, over ``num_workers`` processes.

    Args:
        fn: a picklable function of the item index (a ``functools.partial``).
        count: how many items.
        num_workers: processes; 1 (or fewer than 256 items) draws in this process.
        progress: show a progress bar.
        desc: the progress bar's label.
    """
    bar = partial(tqdm, total=count, desc=desc, unit="img", disable=not progress, leave=False)
    if num_workers <= 1 or count < 256:  # a pool costs more than it saves on small writes
        return [fn(i) for i in bar(range(count))]
    # fork: workers need only numpy and PIL, and re-importing clipx (torch) in
    # each spawned worker costs seconds.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ctx.Pool(num_workers) as pool:
        return list(bar(pool.imap(fn, range(count), chunksize=64)))


def is_current(out: Path, wanted: dict, *, force: bool, what: str) -> bool:
    """Whether ``out`` already holds ``what`` as ``wanted`` describes.

    ``out/meta.json`` is written last, so its presence means a complete output.

    Raises:
        SystemExit: ``out`` holds a different config and ``force`` is not set.
    """
    meta = out / META_FILE
    if force or not meta.is_file():
        return False
    found = json.loads(meta.read_text(encoding="utf-8"))
    if {k: found.get(k) for k in wanted} == wanted:
        print(
            f"{out} already holds these {what} (meta.json matches); nothing to do. Use --force to redo."
        )
        return True
    raise SystemExit(
        f"{out} holds {what} with a different config or counts (see {meta}). "
        "Pass --force to replace them, or choose another --out."
    )


def clear(out: Path, names: Sequence[str]) -> None:
    """Remove ``meta.json`` and the generator's own output folders, nothing else."""
    for name in (META_FILE, *names):
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def write_meta(out: Path, wanted: dict, written: dict) -> None:
    """Record what was generated (``wanted`` plus the ``outputs`` written); call it last."""
    (out / META_FILE).write_text(
        json.dumps(wanted | {"outputs": written}, indent=2) + "\n", encoding="utf-8"
    )
