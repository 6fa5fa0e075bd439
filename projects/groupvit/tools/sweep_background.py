"""GroupViT's background threshold swept on a test set, next to the oracle background.

    python projects/groupvit/tools/sweep_background.py CONFIG CHECKPOINT \
        [--thresholds 0.3 0.4 0.5 0.6 0.7 0.8 0.9] [--by probability similarity] [--out table.md]

Each row is the config's test evaluator (mmseg's IoU; base / novel split on shapes world) with
the background given by that threshold; the last row takes it from the ground truth, so the
difference is what the threshold costs. Below the table, the grouping on its own: final groups
per image, pixel purity, the foreground swallowed by background groups, and the mIoU of the
groups named by their ground-truth majority (what a perfect namer of these groups would
reach). Pick the threshold on other images than the ones you report, e.g. the training split's
complete labels:
    --cfg-options test_dataloader.dataset.data_prefix.img_path=img_dir/train \
        test_dataloader.dataset.data_prefix.seg_map_path=ann_dir/train_all --limit 10
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from mmengine.config import DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from clipx.apis import init_model  # noqa: E402
from projects.groupvit.groupvit.sweep import (  # noqa: E402
    grouping_quality,
    settings_of,
    sweep_background,
)

COLUMNS = ("mIoU", "mIoU_base", "mIoU_novel", "aAcc")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("config")
    parser.add_argument("checkpoint")
    parser.add_argument(
        "--thresholds", type=float, nargs="+", default=[0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    )
    parser.add_argument(
        "--by", nargs="+", default=["probability"], choices=["probability", "similarity"]
    )
    parser.add_argument("--limit", type=int, help="only the first N test batches")
    parser.add_argument("--out", help="also write the table (markdown) here")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, help="override config entries"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    model = init_model(args.config, args.checkpoint, cfg_options=args.cfg_options)
    cfg = model.cfg
    loader = Runner.build_dataloader(cfg.test_dataloader)
    batches = list(loader)[: args.limit] if args.limit else loader
    rows = sweep_background(
        model,
        batches,
        cfg.test_evaluator,
        loader.dataset.metainfo,
        settings_of(args.thresholds, args.by),
    )
    classes = list(loader.dataset.metainfo["classes"])
    lines = [
        "| background | "
        + " | ".join(COLUMNS)
        + " | "
        + " | ".join(f"IoU.{c}" for c in classes)
        + " |",
        "|---" * (1 + len(COLUMNS) + len(classes)) + "|",
    ]
    for row in rows:
        cells = [f"{row.get(c, float('nan')):.1f}" for c in COLUMNS]
        cells += [f"{row.get(f'IoU.{c}', float('nan')):.1f}" for c in classes]
        lines.append(f"| {row['setting']} | " + " | ".join(cells) + " |")
    quality = grouping_quality(model, batches, len(classes))
    per_class = ", ".join(f"{c} {quality[f'IoU.{k}']:.1f}" for k, c in enumerate(classes))
    lines += [
        "",
        f"Grouping: {quality['groups_per_image']:.2f} final groups per image, purity "
        f"{quality['purity']:.1f}%, foreground in background groups "
        f"{quality.get('foreground_swallowed', float('nan')):.1f}%; groups named by their "
        f"ground-truth majority: mIoU {quality['group_oracle_mIoU']:.1f} ({per_class}).",
    ]
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
