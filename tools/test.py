"""Evaluate a clipx config: ``python tools/test.py CONFIG [CHECKPOINT] [--out results.json]``.

CHECKPOINT is a runner checkpoint of the whole model; configs whose model
already points at its weights (``FrozenCLIP(checkpoint=...)``) need none.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp

from mmengine.runner import Runner

from clipx.engine import add_common_args, load_config
from clipx.registry import explain_missing_types


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", help="config file path")
    parser.add_argument("checkpoint", nargs="?", help="runner checkpoint to load (optional)")
    parser.add_argument("--out", help="write the metrics as json to this file")
    add_common_args(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
    if args.checkpoint:
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f"Checkpoint '{args.checkpoint}' does not exist.")
        cfg.load_from = args.checkpoint
    with explain_missing_types():
        runner = Runner.from_cfg(cfg)
        metrics = runner.test()
    if args.out and runner.rank == 0:
        with open(args.out, "w") as f:
            json.dump({k: float(v) if hasattr(v, "__float__") else v for k, v in metrics.items()}, f, indent=2)
        print(f"metrics written to {args.out}")


if __name__ == "__main__":
    main()
