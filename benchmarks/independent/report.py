"""The benchmarks' shared command line and their per-renderer x per-background tables.

Every benchmark collects raw results per cell (background kind, renderer) and
gives a metric that scores any pooled list of them; :func:`grid` scores every
cell, every row (a kind over all renderers), every column (a renderer over all
kinds) and everything, and :func:`format_grid` prints it: rows = background
kinds, columns = renderers and ``all``, then an ``overall`` line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from .backgrounds import BACKGROUNDS
from .renderers import RENDERERS

Cell = tuple[str, str]  # (background kind, renderer)
Metric = Callable[[list], float]


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """``--renderers``, ``--backgrounds`` and ``--json`` (every benchmark's)."""
    parser.add_argument(
        "--renderers", nargs="+", choices=RENDERERS, default=list(RENDERERS), metavar="NAME",
        help=f"renderers to draw with (default: all of {', '.join(RENDERERS)})",
    )  # fmt: skip
    parser.add_argument(
        "--backgrounds", nargs="+", choices=BACKGROUNDS, default=list(BACKGROUNDS), metavar="KIND",
        help=f"background kinds (default: all of {', '.join(BACKGROUNDS)})",
    )  # fmt: skip
    parser.add_argument(
        "--json", type=Path, metavar="OUT", help="also write the tables to this file"
    )


def add_cfg_options_argument(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options KEY=VALUE ...`` (mmengine's ``DictAction``), for benchmarks that read a config."""
    from mmengine.config import DictAction

    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, help="override config entries"
    )


def per_cell(score: Callable[[Cell], list], args: argparse.Namespace) -> dict[Cell, list]:
    """``score(cell)`` of every cell ``args.renderers`` and ``args.backgrounds`` select."""
    return {cell: score(cell) for cell in cells(args.renderers, args.backgrounds)}


def cells(renderers: Sequence[str], backgrounds: Sequence[str]) -> Iterator[Cell]:
    """Every (background, renderer) pair, in the order of :data:`BACKGROUNDS` and :data:`RENDERERS`."""
    for background in BACKGROUNDS:
        for renderer in RENDERERS:
            if background in backgrounds and renderer in renderers:
                yield background, renderer


def cell_rng(seed: int, cell: Cell, stream: int = 0) -> np.random.Generator:
    """The generator of one cell: the same images for a cell whatever else is selected."""
    background, renderer = cell
    return np.random.default_rng(
        [seed, BACKGROUNDS.index(background), RENDERERS.index(renderer), stream]
    )


def grid(results: Mapping[Cell, list], metric: Metric) -> dict:
    """``metric`` of each cell, each background kind, each renderer and all results pooled.

    Returns:
        ``{'cells': {background: {renderer: value}}, 'backgrounds': {background:
        value}, 'renderers': {renderer: value}, 'overall': value}``.
    """
    backgrounds = list(dict.fromkeys(b for b, _ in results))
    renderers = [r for r in RENDERERS if any(r == q for _, q in results)]

    def pooled(keep: Callable[[Cell], bool]) -> float:
        return metric([item for cell, items in results.items() if keep(cell) for item in items])

    return {
        "cells": {
            b: {r: metric(results[b, r]) for r in renderers if (b, r) in results}
            for b in backgrounds
        },
        "backgrounds": {b: pooled(lambda c, b=b: c[0] == b) for b in backgrounds},
        "renderers": {r: pooled(lambda c, r=r: c[1] == r) for r in renderers},
        "overall": pooled(lambda c: True),
    }


def format_grid(title: str, tables: Sequence[dict], *, digits: int = 1) -> str:
    """A text table of one or more :func:`grid` results, their values joined by ``/`` in each cell."""
    first = tables[0]
    renderers = list(first["renderers"])
    rows = [(b, [[t["cells"][b].get(r) for t in tables] for r in renderers], [t["backgrounds"][b] for t in tables])
            for b in first["backgrounds"]]  # fmt: skip
    rows.append(
        (
            "overall",
            [[t["renderers"][r] for t in tables] for r in renderers],
            [t["overall"] for t in tables],
        )
    )
    lines = [[title, *renderers, "all"]]
    for name, values, total in rows:
        lines.append([name, *(_joined(v, digits) for v in values), _joined(total, digits)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )


def _joined(values: Sequence[float | None], digits: int) -> str:
    return " / ".join("-" if v is None or math.isnan(v) else f"{v:.{digits}f}" for v in values)


def write_json(path: str | os.PathLike, payload: dict) -> None:
    """Write ``payload`` (NaN as null) to ``path``, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_no_nan(payload), indent=2) + "\n", encoding="utf-8")


def _no_nan(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _no_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(v) for v in value]
    return value
