"""Config loading for the mm-style entry points."""

from __future__ import annotations

import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from clipx.checkpoint import allow_mmengine_checkpoints


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--work-dir", help="where logs and checkpoints go (default: work_dirs/<config name>)")
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
    return cfg
