"""The offline chain as resumable stages: what ``tools/quickstart.py`` runs.

Each :class:`Stage` is one command of the README (a tool under ``tools/``
run in a subprocess, its output in ``<state>/logs/<stage>.log``). A stage
that finishes writes ``<state>/stages/<stage>.json`` (its wall time and, for
evaluations, its metrics); a later run skips it. A training stage that was
stopped resumes from its last checkpoint (``--resume``). So the chain can be
stopped at any point and run again to continue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Stage:
    """One step of the chain.

    Args:
        name: short id (file names, progress lines).
        title: what it does, for people.
        command: argv after the Python executable.
        metrics: the json file ``tools/test.py --out`` writes (evaluations).
        keys: metric names shown in the results table, in order.
    """

    name: str
    title: str
    command: list[str]
    metrics: str | None = None
    keys: list[str] = field(default_factory=list)


@dataclass
class StageResult:
    name: str
    title: str
    seconds: float
    metrics: dict[str, float]
    skipped: bool


def run_stages(
    stages: Sequence[Stage],
    state_dir: str | os.PathLike,
    *,
    python: str = sys.executable,
    runner: Callable[[list[str], Path], int] | None = None,
    echo: Callable[[str], None] = print,
) -> list[StageResult]:
    """Run the stages in order, skipping finished ones; stop at the first failure.

    Args:
        stages: the chain.
        state_dir: where stage markers and logs go.
        python: the interpreter for the tools.
        runner: ``(argv, log_path) -> exit status``; default: a subprocess
            whose output goes to the log.
        echo: progress printer.

    Raises:
        RuntimeError: naming the failed stage and its log.
    """
    state = Path(state_dir)
    (state / "stages").mkdir(parents=True, exist_ok=True)
    (state / "logs").mkdir(parents=True, exist_ok=True)
    run = runner or _subprocess_runner
    results = []
    for number, stage in enumerate(stages, 1):
        marker = state / "stages" / f"{stage.name}.json"
        head = f"[{number}/{len(stages)}] {stage.title}"
        if marker.is_file():
            done = json.loads(marker.read_text(encoding="utf-8"))
            echo(f"{head}: done in an earlier run ({done['seconds']:.0f} s), skipped")
            results.append(
                StageResult(stage.name, stage.title, done["seconds"], done["metrics"], True)
            )
            continue
        echo(f"{head} ...")
        log = state / "logs" / f"{stage.name}.log"
        start = time.perf_counter()
        status = run([python, *stage.command], log)
        seconds = time.perf_counter() - start
        if status != 0:
            raise RuntimeError(
                f"Stage '{stage.name}' ({stage.title}) failed with exit status {status}; see {log}. "
                "Fix the cause and run the quickstart again: finished stages are skipped."
            )
        metrics = {}
        if stage.metrics:
            path = Path(stage.metrics)
            if not path.is_file():
                raise RuntimeError(f"Stage '{stage.name}' finished but wrote no {path}; see {log}.")
            metrics = json.loads(path.read_text(encoding="utf-8"))
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"seconds": seconds, "metrics": metrics}, indent=1), encoding="utf-8"
        )
        os.replace(tmp, marker)
        echo(f"{head}: {seconds:.0f} s")
        results.append(StageResult(stage.name, stage.title, seconds, metrics, False))
    return results


def _subprocess_runner(argv: list[str], log: Path) -> int:
    with open(log, "w", encoding="utf-8") as out:
        return subprocess.call(argv, stdout=out, stderr=subprocess.STDOUT)


def results_table(stages: Sequence[Stage], results: Sequence[StageResult]) -> tuple[dict, str]:
    """The results as a json-able dict and a markdown table (stage, metric, value, wall time)."""
    by_name = {r.name: r for r in results}
    rows, data = [], {"stages": {}, "total_seconds": sum(r.seconds for r in results)}
    for stage in stages:
        result = by_name.get(stage.name)
        if result is None:
            continue
        data["stages"][stage.name] = {
            "title": stage.title,
            "seconds": round(result.seconds, 1),
            "metrics": {k: result.metrics[k] for k in stage.keys if k in result.metrics},
        }
        shown = [(k, result.metrics[k]) for k in stage.keys if k in result.metrics]
        if not shown:
            rows.append(f"| {stage.title} | | | {result.seconds:.0f} s |")
        for i, (key, value) in enumerate(shown):
            wall = f"{result.seconds:.0f} s" if i == 0 else ""
            title = stage.title if i == 0 else ""
            rows.append(f"| {title} | `{key}` | {_number(key, value)} | {wall} |")
    minutes = data["total_seconds"] / 60
    table = "\n".join(
        [
            "| stage | metric | value | wall time |",
            "|---|---|---|---|",
            *rows,
            f"| **total** | | | {minutes:.1f} min |",
        ]
    )
    return data, table


def _number(key: str, value: float) -> str:
    # mmdet's COCO metrics are fractions; everything else here is already in percent or ranks
    if "bbox_mAP" in key:
        value = 100 * value
    return f"{value:.1f}"


def training_losses(work_dir: str | os.PathLike) -> tuple[list[int], list[float]]:
    """(iterations, losses) from every run's ``vis_data/scalars.json`` in a work dir.

    A resumed training writes a new timestamped folder; the rows are merged by
    iteration (the later run wins).
    """
    by_step: dict[int, float] = {}
    for path in sorted(Path(work_dir).glob("*/vis_data/scalars.json")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if "loss" in row and "step" in row:
                by_step[int(row["step"])] = float(row["loss"])
    steps = sorted(by_step)
    return steps, [by_step[s] for s in steps]


def plot_losses(work_dirs: dict[str, str | os.PathLike], out: str | os.PathLike) -> Path | None:
    """Training loss against iteration, one panel per work dir (title -> work dir)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = {t: training_losses(d) for t, d in work_dirs.items()}
    curves = {t: c for t, c in curves.items() if c[0]}
    if not curves:
        return None
    fig, axes = plt.subplots(1, len(curves), figsize=(3.2 * len(curves), 2.6), squeeze=False)
    for ax, (title, (steps, losses)) in zip(axes[0], curves.items(), strict=True):
        ax.plot(steps, losses, linewidth=1.2)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("iteration", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("training loss", fontsize=8)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out
