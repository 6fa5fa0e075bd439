"""Generate shapes-world videos for text-video retrieval (CLIP4Clip on clipx).

Writes, under ``--out``::

    meta.json                                 config and counts; a rerun with the same ones is skipped
    videos/<split>_<index>.mp4                --num-frames frames at --image-size px, mp4v
    annotations/<split>_{static,motion}.json  MSR-VTT-style {"videos", "sentences"}
    annotations/<split>_{static,motion}.csv   key,vid_key,video_id,sentence (the 1k-A layout)
    annotations/<split>_clips.json            objects, colours, shapes, directions per clip
    annotations/<split>_reversal_pairs.json   grouped splits: [[a, b], ...] time-reversed twins

Splits: ``train`` and ``test`` hold independent clips; ``test_directions``
holds groups of --group-size clips that look the same and differ only in
direction (time-reversed pairs), where motion captions need temporal order.

Example::

    python tools/generate_shapes_world_video.py --out data/shapes_world_video
"""

from __future__ import annotations

import argparse
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
)
from clipx.data.shapes_world_video import VideoWorldConfig, write_video_split

# Bump when the drawing, motions or captions change, so old outputs are not mistaken for new ones.
GENERATOR_VERSION = 2  # 2: reversal_pairs.json for grouped splits
OUTPUT_DIRS = ("videos", "annotations")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="data/shapes_world_video", help="output folder")
    parser.add_argument("--num-train", type=int, default=2000, help="training clips")
    parser.add_argument("--num-test", type=int, default=500, help="independent test clips")
    parser.add_argument(
        "--num-test-directions",
        type=int,
        default=200,
        help="test clips in same-look direction groups",
    )
    parser.add_argument("--group-size", type=int, default=4, help="clips per direction group")
    parser.add_argument(
        "--train-group-size",
        type=int,
        default=4,
        help="training clips per direction group (consecutive ids), so a batch sampler can "
        "put clips that differ only in direction into one batch; 1: independent clips",
    )
    parser.add_argument("--num-frames", type=int, default=24)
    parser.add_argument("--fps", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--max-objects", type=int, default=2)
    parser.add_argument("--captions-per-video", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--shapes", nargs="+", default=list(DEFAULT_SHAPES), help=f"from {list(SHAPES)}"
    )
    parser.add_argument(
        "--colours", nargs="+", default=list(DEFAULT_COLOURS), help=f"from {list(COLOURS)}"
    )
    parser.add_argument(
        "--workers", type=int, default=min(4, os.cpu_count() or 1), help="processes"
    )
    parser.add_argument("--force", action="store_true", help="regenerate even if --out matches")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> VideoWorldConfig:
    world = ShapesWorldConfig(
        image_size=args.image_size,
        shapes=tuple(args.shapes),
        colours=tuple(args.colours),
        max_objects=args.max_objects,
        seed=args.seed,
    )
    return VideoWorldConfig(
        world=world,
        num_frames=args.num_frames,
        fps=args.fps,
        captions_per_video=args.captions_per_video,
    )


def splits(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """(split, clips, group size) of every split to write."""
    return [
        ("train", args.num_train, args.train_group_size),
        ("test", args.num_test, 1),
        ("test_directions", args.num_test_directions, args.group_size),
    ]


def requested_meta(cfg: VideoWorldConfig, args: argparse.Namespace) -> dict:
    """What meta.json must hold for an existing output to count as up to date."""
    counts = {name: {"clips": n, "group_size": g} for name, n, g in splits(args)}
    return {"generator_version": GENERATOR_VERSION, "config": cfg.to_dict(), "counts": counts}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = build_config(args)
    out = Path(args.out)
    wanted = requested_meta(cfg, args)
    if is_current(out, wanted, force=args.force, what="shapes-world videos"):
        return 0
    clear(out, OUTPUT_DIRS)
    start = time.perf_counter()
    written = {}
    for name, num, group_size in splits(args):
        if num > 0:
            paths = write_video_split(
                out,
                name,
                num,
                cfg,
                group_size=group_size,
                num_workers=args.workers,
                progress=not args.no_progress,
            )
            written[name] = {k: str(v) for k, v in paths.items()}
    seconds = time.perf_counter() - start
    write_meta(out, wanted, written)
    total = sum(num for _, num, _ in splits(args) if num > 0)
    print(f"Wrote {total} clips of {cfg.num_frames} frames in {seconds:.1f} s to {out}:")
    for name, paths in written.items():
        print(f"  {name:16s} {paths['static_csv']}, {paths['motion_csv']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
