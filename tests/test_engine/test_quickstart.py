"""The quickstart chain: stages run in order, a failure names its stage, a rerun continues."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clipx.engine.quickstart import Stage, plot_losses, results_table, run_stages, training_losses

REPO = Path(__file__).resolve().parents[2]


def _chain(tmp_path: Path) -> list[Stage]:
    return [
        Stage("a", "first", ["a.py"]),
        Stage(
            "b",
            "second",
            ["b.py"],
            metrics=str(tmp_path / "b.json"),
            keys=["x/top1", "coco/bbox_mAP_50"],
        ),
        Stage("c", "third", ["c.py"]),
    ]


def test_a_stopped_chain_continues_where_it_failed(tmp_path):
    calls = []

    def failing_b(argv, log):
        calls.append(argv[1])
        return 3 if argv[1] == "b.py" else 0

    with pytest.raises(RuntimeError, match=r"Stage 'b' \(second\) failed with exit status 3"):
        run_stages(_chain(tmp_path), tmp_path / "state", runner=failing_b, echo=lambda s: None)
    assert calls == ["a.py", "b.py"]

    def working(argv, log):
        calls.append(argv[1])
        if argv[1] == "b.py":
            (tmp_path / "b.json").write_text(json.dumps({"x/top1": 95.25, "coco/bbox_mAP_50": 0.5}))
        return 0

    lines = []
    results = run_stages(_chain(tmp_path), tmp_path / "state", runner=working, echo=lines.append)
    assert calls == ["a.py", "b.py", "b.py", "c.py"]  # 'a' was not run again
    assert "skipped" in lines[0] and [r.skipped for r in results] == [True, False, False]
    assert results[1].metrics["x/top1"] == 95.25

    data, table = results_table(_chain(tmp_path), results)
    assert data["stages"]["b"]["metrics"] == {"x/top1": 95.25, "coco/bbox_mAP_50": 0.5}
    assert "| `x/top1` | 95.2 |" in table and "| `coco/bbox_mAP_50` | 50.0 |" in table


def test_an_evaluation_that_writes_no_metrics_is_an_error(tmp_path):
    with pytest.raises(RuntimeError, match="wrote no"):
        run_stages(
            _chain(tmp_path), tmp_path / "s", runner=lambda argv, log: 0, echo=lambda s: None
        )


def test_losses_of_a_resumed_training_are_merged(tmp_path):
    for run, rows in (
        ("20260101_000000", [(10, 2.0), (20, 1.5)]),
        ("20260101_010000", [(20, 1.4), (30, 1.0)]),
    ):
        path = tmp_path / run / "vis_data" / "scalars.json"
        path.parent.mkdir(parents=True)
        lines = [json.dumps({"step": s, "loss": v, "lr": 0.1}) for s, v in rows]
        path.write_text("\n".join([*lines, json.dumps({"step": 30, "zeroshot/top1": 90.0})]))
    assert training_losses(tmp_path) == ([10, 20, 30], [2.0, 1.4, 1.0])
    out = plot_losses({"run": tmp_path, "empty": tmp_path / "none"}, tmp_path / "curves.png")
    assert out is not None and out.stat().st_size > 1000


def test_the_tool_lists_its_stages():
    listing = subprocess.run(
        [sys.executable, "tools/quickstart.py", "--list"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pretrain the tiny CLIP" in listing and "tools/vild_precompute.py" in listing
    assert "tools/video_precompute.py" in listing
    for tool in ("train.py", "test.py", "segment.py", "detect.py"):
        assert f"tools/{tool}" in listing


def test_the_bounds_are_opt_in_stages():
    def listing(*flags):
        return subprocess.run(
            [sys.executable, "tools/quickstart.py", "--list", *flags],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    plain, bounds = listing(), listing("--bounds")
    assert bounds.startswith(plain)  # the same chain first, so a finished quickstart resumes
    bound_configs = (
        "maskclip_rn-tiny-64",
        "vild-clip-crops_rn-tiny-64",
        "lseg-oracle_rn-tiny-64",
        "vild-text-oracle_rn-tiny-64",
    )
    for config in bound_configs:
        assert config not in plain and config in bounds
