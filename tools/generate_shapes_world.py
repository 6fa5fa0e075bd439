"""Generate the shapes-world data set (clipx's offline default data).

Writes, under ``--out``::

    meta.json                          config and counts; a rerun with the same ones is skipped
    image_text/train.csv, train/       pretraining pairs (filepath,title; paths relative to the CSV)
    image_text/val.csv, val/           held-out pairs, one caption per image
    retrieval/test.csv, test/          held-out images, --captions-per-image rows per image
    zeroshot/classes.txt, val/<colour shape>/   ImageFolder layout, one shape per image
    segmentation/img_dir, ann_dir/{train,val}    mmseg layout; --seg-novel pixels ignored in train
    detection/images/{train,val}, annotations/{train,val}.json   COCO boxes at --det-image-size;
                                       --det-novel boxes left out of train.json

Example::

    python tools/generate_shapes_world.py --out data/shapes_world --num-train 20000
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

from clipx.data.generated_output import clear, is_current, write_meta
from clipx.data.shapes_world import (
    COLOURS,
    DEFAULT_COLOURS,
    DEFAULT_SHAPES,
    SHAPES,
    ShapesWorldConfig,
    write_class_folders,
    write_image_text,
    write_retrieval,
)
from clipx.data.shapes_world_det import DEFAULT_NOVEL as DEFAULT_DET_NOVEL
from clipx.data.shapes_world_det import write_detection
from clipx.data.shapes_world_seg import DEFAULT_NOVEL, write_segmentation

# Bump when the drawing or captions change, so old outputs are not mistaken for new ones.
GENERATOR_VERSION = 2  # 2: captions may name an object's place in the image
OUTPUT_DIRS = ("image_text", "retrieval", "zeroshot", "segmentation", "detection")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="data/shapes_world", help="output folder")
    parser.add_argument("--num-train", type=int, default=20000, help="pretraining images")
    parser.add_argument("--num-val", type=int, default=1000, help="held-out pretraining images")
    parser.add_argument("--num-retrieval", type=int, default=1000, help="retrieval test images")
    parser.add_argument(
        "--captions-per-image", type=int, default=3, help="retrieval captions per image"
    )
    parser.add_argument(
        "--num-zeroshot-per-class", type=int, default=20, help="zero-shot images per class"
    )
    parser.add_argument("--num-seg-train", type=int, default=4000, help="segmentation train images")
    parser.add_argument("--num-seg-val", type=int, default=500, help="segmentation val images")
    parser.add_argument(
        "--seg-novel",
        nargs="+",
        default=list(DEFAULT_NOVEL),
        help="shapes left out of seg training labels",
    )
    parser.add_argument("--num-det-train", type=int, default=4000, help="detection train images")
    parser.add_argument("--num-det-val", type=int, default=500, help="detection val images")
    parser.add_argument(
        "--det-novel",
        nargs="+",
        default=list(DEFAULT_DET_NOVEL),
        help="shapes whose boxes are left out of detection training",
    )
    parser.add_argument(
        "--det-image-size", type=int, default=128, help="detection image side (room for RoIs)"
    )
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-objects", type=int, default=3)
    parser.add_argument(
        "--shapes", nargs="+", default=list(DEFAULT_SHAPES), help=f"from {list(SHAPES)}"
    )
    parser.add_argument(
        "--colours", nargs="+", default=list(DEFAULT_COLOURS), help=f"from {list(COLOURS)}"
    )
    parser.add_argument("--image-format", choices=("png", "jpg"), default="png")
    parser.add_argument(
        "--workers", type=int, default=min(4, os.cpu_count() or 1), help="processes"
    )
    parser.add_argument("--force", action="store_true", help="regenerate even if --out matches")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> ShapesWorldConfig:
    return ShapesWorldConfig(
        image_size=args.image_size,
        shapes=tuple(args.shapes),
        colours=tuple(args.colours),
        max_objects=args.max_objects,
        seed=args.seed,
        image_format=args.image_format,
    )


def requested_meta(cfg: ShapesWorldConfig, args: argparse.Namespace) -> dict:
    """What meta.json must hold for an existing output to count as up to date."""
    counts = {
        "train": args.num_train,
        "val": args.num_val,
        "retrieval": args.num_retrieval,
        "captions_per_image": args.captions_per_image,
        "zeroshot_per_class": args.num_zeroshot_per_class,
        "seg_train": args.num_seg_train,
        "seg_val": args.num_seg_val,
        "seg_novel": args.seg_novel,
        "det_train": args.num_det_train,
        "det_val": args.num_det_val,
        "det_novel": args.det_novel,
        "det_image_size": args.det_image_size,
    }
    return {"generator_version": GENERATOR_VERSION, "config": cfg.to_dict(), "counts": counts}


def generate(out: Path, cfg: ShapesWorldConfig, args: argparse.Namespace) -> dict[str, str]:
    """Write every part; returns what was written, by name."""
    kw = {"num_workers": args.workers, "progress": not args.no_progress}
    written = {
        "train": write_image_text(out / "image_text", args.num_train, cfg, split="train", **kw),
        "val": write_image_text(out / "image_text", args.num_val, cfg, split="val", **kw),
        "retrieval": write_retrieval(
            out / "retrieval",
            args.num_retrieval,
            cfg,
            split="test",
            captions_per_image=args.captions_per_image,
            **kw,
        ),
        "zeroshot": write_class_folders(
            out / "zeroshot", args.num_zeroshot_per_class, cfg, split="val", **kw
        ),
        "segmentation": write_segmentation(
            out / "segmentation",
            cfg,
            num_train=args.num_seg_train,
            num_val=args.num_seg_val,
            novel=args.seg_novel,
            **kw,
        ),
        **write_detection(
            out / "detection",
            dataclasses.replace(cfg, image_size=args.det_image_size),
            num_train=args.num_det_train,
            num_val=args.num_det_val,
            novel=args.det_novel,
            **kw,
        ),
    }
    written["classes"] = out / "zeroshot" / "classes.txt"
    return {k: str(v) for k, v in written.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = build_config(args)
    out = Path(args.out)
    wanted = requested_meta(cfg, args)
    if is_current(out, wanted, force=args.force, what="shapes-world images"):
        return 0
    clear(out, OUTPUT_DIRS)
    start = time.perf_counter()
    written = generate(out, cfg, args)
    seconds = time.perf_counter() - start
    write_meta(out, wanted, written)
    total = (
        args.num_train
        + args.num_val
        + args.num_retrieval
        + args.num_zeroshot_per_class * len(cfg.shapes) * len(cfg.colours)
        + args.num_seg_train
        + args.num_seg_val
        + args.num_det_train
        + args.num_det_val
    )
    print(f"Wrote {total} images in {seconds:.1f} s to {out}:")
    for name, path in written.items():
        print(f"  {name:10s} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
