"""Config loading for the mm-style entry points."""

from __future__ import annotations

import argparse
import importlib
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from clipx.checkpoint import allow_mmengine_checkpoints


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--work-dir", help="where logs and checkpoints go (default: work_dirs/<config name>)"
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        help="override config entries, e.g. train_cfg.max_iters=100 optim_wrapper.optimizer.lr=1e-3",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Read the config, apply overrides, fix the work dir and the registry scope."""
    if not osp.isfile(args.config):
        raise FileNotFoundError(f"Config file '{args.config}' does not exist.")
    if "LOCAL_RANK" not in os.environ:
        os.environ["LOCAL_RANK"] = str(args.local_rank)
    allow_mmengine_checkpoints()
    # plug-in projects (projects/<name>/) import as packages from the repository root
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir") is None:
        cfg.work_dir = osp.join("work_dirs", osp.splitext(osp.basename(args.config))[0])
    cfg.default_scope = cfg.get("default_scope") or "clipx"
    init_default_scope(cfg.default_scope)
    _import_custom_modules(cfg)
    return cfg


def _import_custom_modules(cfg: Config) -> None:
    """Import ``custom_imports`` (mmengine reads it only in text-style configs; do it for all)."""
    custom = cfg.get("custom_imports")
    if not custom:
        return
    imports = custom.get("imports", [])
    for name in [imports] if isinstance(imports, str) else imports:
        try:
            importlib.import_module(name)
        except ImportError as err:
            if custom.get("allow_failed_imports", False):
                continue
            raise ImportError(
                f"custom_imports names {name!r}, which does not import ({err}). Run the tools "
                "from the repository root so that projects/ is importable, or fix the name."
            ) from err
