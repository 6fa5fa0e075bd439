"""The entry points import a config's custom_imports, also in pure-Python configs.

mmengine imports ``custom_imports`` itself only for text-style configs; a
pure-Python config (one that imports classes, like the shipped ones) is parsed
lazily and its ``custom_imports`` are left to clipx. These tests use such a
config, so that only clipx's own step can import the modules or name them.
"""

from __future__ import annotations

import argparse
import sys

import pytest

from clipx.engine.entry import load_config

# a top-level import of a non-builtin module makes mmengine parse the file as a pure-Python config
PURE_PYTHON_HEADER = (
    "from mmengine.dataset import DefaultSampler\n\nsampler = dict(type=DefaultSampler)\n"
)


def _args(config, **kw) -> argparse.Namespace:
    base = dict(config=str(config), cfg_options=None, launcher="none", work_dir=None, local_rank=0)
    return argparse.Namespace(**{**base, **kw})


def _config(tmp_path, custom_imports: str):
    config = tmp_path / "cfg.py"
    config.write_text(f"{PURE_PYTHON_HEADER}custom_imports = {custom_imports}\n")
    return config


def _package(tmp_path, name: str):
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("LOADED = True\n")
    sys.modules.pop(name, None)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield tmp_path
    for name in ("myproject_for_clipx_test", "no_such_project_xyz"):
        sys.modules.pop(name, None)


def test_the_config_is_one_mmengine_leaves_custom_imports_to_clipx(workdir):
    from mmengine.config import Config

    _package(workdir, "myproject_for_clipx_test")
    sys.path.insert(0, str(workdir))
    Config.fromfile(_config(workdir, "dict(imports=['myproject_for_clipx_test'])"))
    assert "myproject_for_clipx_test" not in sys.modules


def test_custom_imports_are_imported_from_the_working_directory(workdir):
    _package(workdir, "myproject_for_clipx_test")
    load_config(_args(_config(workdir, "dict(imports=['myproject_for_clipx_test'])")))
    assert sys.modules["myproject_for_clipx_test"].LOADED


def test_a_custom_import_that_fails_is_named_with_the_fix(workdir):
    config = _config(workdir, "dict(imports=['no_such_project_xyz'])")
    with pytest.raises(
        ImportError, match=r"custom_imports names 'no_such_project_xyz'.*repository root"
    ):
        load_config(_args(config))


def test_allowed_failures_are_skipped_and_the_other_imports_still_load(workdir):
    _package(workdir, "myproject_for_clipx_test")
    config = _config(
        workdir,
        "dict(imports=['no_such_project_xyz', 'myproject_for_clipx_test'],"
        " allow_failed_imports=True)",
    )
    cfg = load_config(_args(config))
    assert sys.modules["myproject_for_clipx_test"].LOADED
    assert "no_such_project_xyz" not in sys.modules
    assert cfg.default_scope == "clipx"
