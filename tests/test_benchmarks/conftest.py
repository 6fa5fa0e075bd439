"""The benchmarks' renderer package on ``sys.path`` and a loader for the benchmark scripts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # ``benchmarks.independent`` lives beside clipx, not inside it
    sys.path.insert(0, str(REPO))


@pytest.fixture
def benchmark_script(monkeypatch):
    """``load(name)``: the module of ``benchmarks/<name>.py``, imported from its file."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # the scripts and init_model add import roots

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(
            f"bench_{name}", REPO / "benchmarks" / f"{name}.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
