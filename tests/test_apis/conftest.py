"""Each test gets its own copy of ``sys.path``: init_model adds import roots to it."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _own_sys_path(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
