"""Train a clipx config: ``python tools/train.py CONFIG [--work-dir D] [--resume [CKPT]]``.

Distributed: ``torchrun --nproc_per_node=N tools/train.py CONFIG --launcher pytorch``
or ``srun ... python tools/train.py CONFIG --launcher slurm``.
"""

from __future__ import annotations

import argparse

from mmengine.runner import Runner

from clipx.engine import add_common_args, load_config
from clipx.registry import explain_missing_types


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", help="config file path")
    parser.add_argument(
        "--resume",
        nargs="?",
        type=str,
        const="auto",
        help="resume from CKPT, or with no value from the latest checkpoint in the work dir",
    )
    parser.add_argument("--amp", action="store_true", help="mixed precision (AmpOptimWrapper; CUDA)")
    add_common_args(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
    if args.resume == "auto":
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.amp:
        cfg.optim_wrapper.type = "AmpOptimWrapper"
        cfg.optim_wrapper.setdefault("loss_scale", "dynamic")
    with explain_missing_types():
        runner = Runner.from_cfg(cfg)
        runner.train()


if __name__ == "__main__":
    main()
