"""The entry points import a config's custom_imports, also in pure-Python configs."""

from __future__ import annotations

import argparse
import sys

import pytest

from clipx.engine.entry import load_config


def _args(config, **kw) -> argparse.Namespace:
    base = dict(config=str(config), cfg_options=None, launcher="none", work_dir=None, local_rank=0)
    return argparse.Namespace(**{**base, **kw})


def test_custom_imports_are_imported_from_the_working_directory(tmp_path, monkeypatch):
    package = tmp_path / "myproject_for_clipx_test"
    package.mkdir()
    (package / "__init__.py").write_text("LOADED = True\n")
    config = tmp_path / "cfg.py"
    config.write_text(
        "custom_imports = dict(imports=['myproject_for_clipx_test'], allow_failed_imports=False)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    sys.modules.pop("myproject_for_clipx_test", None)
    load_config(_args(config))
    assert sys.modules["myproject_for_clipx_test"].LOADED


def test_a_custom_import_that_fails_is_named(tmp_path, monkeypatch):
    config = tmp_path / "cfg.py"
    config.write_text("custom_imports = dict(imports=['no_such_project_xyz'])\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ImportError, match="no_such_project_xyz"):
        load_config(_args(config))
    config.write_text(
        "custom_imports = dict(imports=['no_such_project_xyz'], allow_failed_imports=True)\n"
    )
    load_config(_args(config))
