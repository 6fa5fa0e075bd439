"""The entry points import a config's custom_imports, also in pure-Python configs."""

from __future__ import annotations

import argparse
import sys

import pytest

from clipx.engine.entry import load_config

# A pure-Python config (it imports): mmengine itself never reads its custom_imports.
PURE = "from clipx.backbone import FrozenCLIP  # noqa: F401\n"


def _args(config, **kw) -> argparse.Namespace:
    base = dict(config=str(config), cfg_options=None, launcher="none", work_dir=None, local_rank=0)
    return argparse.Namespace(**{**base, **kw})


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """The working directory, with a fresh ``sys.path`` and no test packages imported."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield tmp_path
    for name in ("myproject_for_clipx_test", "second_project_for_clipx_test"):
        sys.modules.pop(name, None)


def _package(root, name: str) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text("LOADED = True\n")


def test_custom_imports_are_imported_from_the_working_directory(workdir):
    _package(workdir, "myproject_for_clipx_test")
    config = workdir / "cfg.py"
    config.write_text(
        PURE + "custom_imports = dict(imports=['myproject_for_clipx_test'], "
        "allow_failed_imports=False)\n"
    )
    cfg = load_config(_args(config))
    assert sys.modules["myproject_for_clipx_test"].LOADED
    assert cfg.default_scope == "clipx" and cfg.work_dir == "work_dirs/cfg"


def test_a_custom_import_that_fails_is_named(workdir):
    config = workdir / "cfg.py"
    config.write_text(PURE + "custom_imports = dict(imports=['no_such_project_xyz'])\n")
    with pytest.raises(ImportError, match=r"custom_imports names 'no_such_project_xyz', which "
                       r"does not import .*fix the name, run from the repository root"):  # fmt: skip
        load_config(_args(config))


def test_allowed_failures_skip_the_module_and_import_the_rest(workdir):
    _package(workdir, "second_project_for_clipx_test")
    config = workdir / "cfg.py"
    config.write_text(
        PURE + "custom_imports = dict(imports=['no_such_project_xyz', "
        "'second_project_for_clipx_test'], allow_failed_imports=True)\n"
    )
    cfg = load_config(_args(config, work_dir="out"))
    assert "no_such_project_xyz" not in sys.modules
    assert sys.modules["second_project_for_clipx_test"].LOADED
    assert cfg.work_dir == "out" and cfg.launcher == "none"


def test_a_missing_config_is_named(workdir):
    with pytest.raises(FileNotFoundError, match=r"Config file 'nope\.py' does not exist"):
        load_config(_args("nope.py"))
