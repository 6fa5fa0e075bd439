"""Reading a config the way every clipx entry point does.

One function, :func:`read_config`, turns a config path (or a
:class:`mmengine.config.Config`) into the config a model or a Runner is built
from:

1. the folders a config's imports may name go on ``sys.path``
   (:func:`add_import_roots`): the repository root that holds ``configs/`` and
   ``projects/`` (so ``projects.<name>.<name>`` imports), the folder of the
   config's project (so its package also imports by its bare name), and the
   working directory (the tools always allowed a package next to it);
2. mmengine parses the file (pure-Python configs import their classes here);
3. ``--cfg-options``-style overrides are merged;
4. the registry scope is set explicitly: the config's ``default_scope``,
   else ``'clipx'`` (mmdet and mmseg configs in clipx also use ``'clipx'``;
   clipx's mmdet classes enter mmdet's scope themselves, see
   :func:`clipx.det.scope.mmdet_scope`);
5. the modules in ``custom_imports`` are imported (:func:`import_custom_modules`),
   for every kind of config, with an error that names the module.
"""

from __future__ import annotations

import copy
import importlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from mmengine.config import Config
from mmengine.registry import init_default_scope

from clipx.registry import SCOPE

# The checkout clipx itself was imported from (it ships configs/ and projects/).
_CLIPX_CHECKOUT = Path(__file__).resolve().parents[2]

ConfigLike = str | os.PathLike | Config


def repository_root(config_path: str | os.PathLike) -> Path | None:
    """The nearest folder above ``config_path`` that holds both ``configs/`` and ``projects/``.

    Returns None for a config outside such a repository (a user's own folder).
    """
    for folder in Path(config_path).resolve().parents:
        if (folder / "configs").is_dir() and (folder / "projects").is_dir():
            return folder
    return None


def project_folder(config_path: str | os.PathLike) -> Path | None:
    """``<root>/projects/<name>`` when ``config_path`` lies inside a plug-in project, else None."""
    path = Path(config_path).resolve()
    root = repository_root(path)
    if root is None:
        return None
    try:
        relative = path.relative_to(root / "projects")
    except ValueError:
        return None
    return root / "projects" / relative.parts[0] if len(relative.parts) > 1 else None


def config_root(config_path: str | os.PathLike | None) -> Path | None:
    """The config's :func:`repository_root`, else the clipx checkout when it ships ``projects/``.

    None for a config outside any repository with an installed (not checked
    out) clipx.
    """
    root = repository_root(config_path) if config_path is not None else None
    if root is None and (_CLIPX_CHECKOUT / "projects").is_dir():
        root = _CLIPX_CHECKOUT
    return root


def import_roots(config_path: str | os.PathLike | None) -> tuple[list[Path], list[Path]]:
    """The folders a config's imports resolve against: ``(in front of sys.path, behind it)``.

    In front: :func:`config_root` and the working directory. Behind: the
    config's project folder, so a project's package imports by its bare name
    without shadowing anything installed.
    """
    front = [p for p in (config_root(config_path), Path.cwd()) if p is not None]
    project = project_folder(config_path) if config_path is not None else None
    return front, [project] if project is not None else []


def add_import_roots(config_path: str | os.PathLike | None) -> None:
    """Put :func:`import_roots` on ``sys.path`` (each once; already present ones stay where they are)."""
    present = {os.path.realpath(p or os.curdir) for p in sys.path}
    front, back = import_roots(config_path)
    for folder in reversed(front):
        if os.path.realpath(folder) not in present:
            sys.path.insert(0, str(folder))
    for folder in back:
        if os.path.realpath(folder) not in present:
            sys.path.append(str(folder))


def import_custom_modules(cfg: Config | Mapping) -> list[str]:
    """Import the modules a config's ``custom_imports`` names; return those imported.

    mmengine does this itself only for configs without class imports; clipx does
    it for every config, after :func:`add_import_roots`.

    Raises:
        ImportError: a module does not import and ``allow_failed_imports`` is
            not set; the message names the module and the folders clipx added.
    """
    custom = cfg.get("custom_imports") or {}
    names = custom.get("imports", [])
    names = [names] if isinstance(names, str) else list(names)
    importlib.invalidate_caches()  # folders may have gained packages since the last import
    imported = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as err:
            if custom.get("allow_failed_imports", False):
                continue
            front, back = import_roots(getattr(cfg, "filename", None))
            folders = ", ".join(str(p) for p in front + back)
            raise ImportError(
                f"custom_imports names {name!r}, which does not import ({err}). Besides the "
                f"installed packages clipx looked in {folders}: fix the name, run from the "
                "repository root, or install the package."
            ) from err
        imported.append(name)
    return imported


def config_scope(cfg: Config, scope: str | None = None) -> str:
    """The registry scope to build in: ``scope`` if given, else the config's, else ``'clipx'``."""
    return scope or cfg.get("default_scope") or SCOPE


def read_config(
    config: ConfigLike,
    *,
    cfg_options: Mapping | None = None,
    scope: str | None = None,
) -> Config:
    """Parse a config, apply overrides, set the registry scope, import ``custom_imports``.

    Args:
        config: a config file, or a parsed :class:`~mmengine.config.Config`
            (copied, never changed).
        cfg_options: overrides in ``--cfg-options`` form, dotted keys to values,
            e.g. ``{'model.clip.checkpoint': None, 'train_cfg.max_iters': 10}``.
        scope: the registry scope; default: the config's ``default_scope``,
            else ``'clipx'``. It is written back as ``cfg.default_scope`` and
            made the current mmengine scope.

    Returns:
        The config, ready for a registry build or :class:`~mmengine.runner.Runner`.

    Raises:
        FileNotFoundError: ``config`` is a path that does not exist.
        TypeError: ``config`` is neither a path nor a Config.
        ImportError: a ``custom_imports`` module does not import.
    """
    if isinstance(config, Config):
        add_import_roots(config.filename)
        cfg = copy.deepcopy(config)
    elif isinstance(config, str | os.PathLike):
        cfg = _parse(Path(config))
    else:
        raise TypeError(
            f"config must be a config file path or an mmengine Config, got {type(config).__name__}."
        )
    if cfg_options:
        cfg.merge_from_dict(dict(cfg_options))
    cfg.default_scope = config_scope(cfg, scope)
    init_default_scope(cfg.default_scope)
    import_custom_modules(cfg)
    return cfg


def _parse(path: Path) -> Config:
    if not path.is_file():
        raise FileNotFoundError(
            f"Config file '{path}' does not exist (working directory: {os.getcwd()}). Pass the path "
            "of a config under configs/ or projects/<name>/configs/, absolute or relative to the "
            "working directory."
        )
    add_import_roots(path)
    # clipx imports custom_imports itself (import_custom_modules), for every kind of config
    return Config.fromfile(str(path), import_custom_modules=False)
