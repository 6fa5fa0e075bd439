"""The command lines behind ``tools/generate_shapes_world.py`` and ``tools/generate_shapes_world_video.py``.

``python -m clipx.shapes_world images ...`` and ``python -m clipx.shapes_world
video ...`` run the same functions (:func:`images_main`, :func:`video_main`).
Each writes its output folder idempotently: ``meta.json`` (the generator
version, the world's config, the counts, then what was written) comes last,
a rerun with the same request does nothing and a different one is refused
unless ``--force``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .classification import write_class_folders
from .config import ShapesWorldConfig
from .detection import write_detection
from .grounding import write_grounding
from .image_text import write_image_text, write_retrieval
from .motion import VideoWorldConfig
from .output import clear, is_current, write_meta
from .segmentation import write_segmentation
from .video import write_video_split
from .vocabulary import COLOURS, DEFAULT_COLOURS, DEFAULT_NOVEL_SHAPES, DEFAULT_SHAPES, SHAPES

# Bump when the drawing or captions change, so old outputs are not mistaken for new ones.
IMAGES_GENERATOR_VERSION = 5  # 2: captions may name an object's place in the image; 3: "up"/"down"
# places; 4: complete training labels for the supervised oracle (ann_dir/train_all, train_all.json);
# 5: grounding annotations beside detection/ (ODVG, Flickr30k- and RefCOCO-style)
IMAGES_OUTPUT_DIRS = ("image_text", "retrieval", "zeroshot", "segmentation", "detection")
# Bump when the drawing, motions or captions change.
VIDEO_GENERATOR_VERSION = 2  # 2: reversal_pairs.json for grouped splits
VIDEO_OUTPUT_DIRS = ("videos", "annotations")

IMAGES_HELP = """Generate the shapes-world data set (clipx's offline default data).

Writes, under ``--out``::

    meta.json                          config and counts; a rerun with the same ones is skipped
    image_text/train.csv, train/       pretraining pairs (filepath,title; paths relative to the CSV)
    image_text/val.csv, val/           held-out pairs, one caption per image
    retrieval/test.csv, test/          held-out images, --captions-per-image rows per image
    zeroshot/classes.txt, val/<colour shape>/   ImageFolder layout, one shape per image
    segmentation/img_dir, ann_dir/{train,val}    mmseg layout; --seg-novel pixels ignored in train
                                       (ann_dir/train_all: the same images' complete labels)
    detection/images/{train,val}, annotations/{train,val}.json   COCO boxes at --det-image-size;
                                       --det-novel boxes left out of train.json
                                       (train_all.json: every box, for the supervised oracle)
    detection/annotations/*.odvg.jsonl, label_map*.json, val_grounding.json, val_refexp.json
                                       grounding in mmdet's formats (GLIP; see shapes_world.grounding)

Example::

    python tools/generate_shapes_world.py --out data/shapes_world --num-train 20000
"""

VIDEO_HELP = """Generate shapes-world videos for text-video retrieval (CLIP4Clip on clipx).

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


def _parser(description: str, prog: str | None) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def _add_world_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shapes", nargs="+", default=list(DEFAULT_SHAPES), help=f"from {list(SHAPES)}"
    )
    parser.add_argument(
        "--colours", nargs="+", default=list(DEFAULT_COLOURS), help=f"from {list(COLOURS)}"
    )
    parser.add_argument(
        "--rendering",
        choices=("plain", "varied", "mixed"),
        default="mixed",
        help="mixed (the default, the quickstart's): half the images plain, half varied "
        "(ShapesWorldConfig.mixed); plain: the narrow look of ShapesWorldConfig(); varied: "
        "backgrounds, fills, edges, blur, JPEG, clutter and star/cross proportions vary in "
        "every image (ShapesWorldConfig.varied)",
    )


def _world(args: argparse.Namespace, **fields) -> ShapesWorldConfig:
    fields.update(shapes=tuple(args.shapes), colours=tuple(args.colours))
    if args.rendering == "varied":
        return ShapesWorldConfig.varied(**fields)
    if args.rendering == "mixed":
        return ShapesWorldConfig.mixed(**fields)
    return ShapesWorldConfig(**fields)


def _add_run_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=int, default=min(4, os.cpu_count() or 1), help="processes"
    )
    parser.add_argument("--force", action="store_true", help="regenerate even if --out matches")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def generate_once(
    out: Path,
    wanted: dict,
    *,
    force: bool,
    what: str,
    output_dirs: Sequence[str],
    generate: Callable[[], dict],
) -> tuple[dict, float] | None:
    """Run ``generate()`` into ``out`` unless ``out/meta.json`` already records ``wanted``.

    The generator's own folders are cleared first and ``meta.json`` (``wanted``
    plus what was written) comes last (:mod:`clipx.shapes_world.output`).

    Returns:
        ``(written, seconds)``, or None when ``out`` was already up to date.

    Raises:
        SystemExit: ``out`` holds another request and ``force`` is not set.
    """
    if is_current(out, wanted, force=force, what=what):
        return None
    clear(out, output_dirs)
    start = time.perf_counter()
    written = generate()
    seconds = time.perf_counter() - start
    write_meta(out, wanted, written)
    return written, seconds


# ----------------------------------------------------------------------------
# Images: pretraining, retrieval, zero-shot, segmentation, detection
# ----------------------------------------------------------------------------


def parse_images_args(argv: list[str] | None = None, prog: str | None = None) -> argparse.Namespace:
    """The image generator's flags (see :data:`IMAGES_HELP`); ``prog`` names the command in ``--help``."""
    parser = _parser(IMAGES_HELP, prog)
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
        default=list(DEFAULT_NOVEL_SHAPES),
        help="shapes left out of seg training labels",
    )
    parser.add_argument("--num-det-train", type=int, default=4000, help="detection train images")
    parser.add_argument("--num-det-val", type=int, default=500, help="detection val images")
    parser.add_argument(
        "--det-novel",
        nargs="+",
        default=list(DEFAULT_NOVEL_SHAPES),
        help="shapes whose boxes are left out of detection training",
    )
    parser.add_argument(
        "--det-image-size", type=int, default=128, help="detection image side (room for RoIs)"
    )
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-objects", type=int, default=3)
    _add_world_args(parser)
    parser.add_argument("--image-format", choices=("png", "jpg"), default="png")
    _add_run_args(parser)
    return parser.parse_args(argv)


def images_config(args: argparse.Namespace) -> ShapesWorldConfig:
    """The world the image flags ask for."""
    return _world(
        args,
        image_size=args.image_size,
        max_objects=args.max_objects,
        seed=args.seed,
        image_format=args.image_format,
    )


def images_meta(cfg: ShapesWorldConfig, args: argparse.Namespace) -> dict:
    """What meta.json must hold for an existing image output to count as up to date."""
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
    return {
        "generator_version": IMAGES_GENERATOR_VERSION,
        "config": cfg.to_dict(),
        "counts": counts,
    }


def generate_images(out: Path, cfg: ShapesWorldConfig, args: argparse.Namespace) -> dict[str, str]:
    """Write every part of the image set; returns what was written, by name."""
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
    written.update(
        write_grounding(
            out / "detection",
            dataclasses.replace(cfg, image_size=args.det_image_size),
            novel=args.det_novel,
        )
    )
    written["classes"] = out / "zeroshot" / "classes.txt"
    return {k: str(v) for k, v in written.items()}


def images_main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """``tools/generate_shapes_world.py``: write the image set unless ``--out`` already holds it."""
    args = parse_images_args(argv, prog)
    cfg = images_config(args)
    out = Path(args.out)
    done = generate_once(
        out,
        images_meta(cfg, args),
        force=args.force,
        what="shapes-world images",
        output_dirs=IMAGES_OUTPUT_DIRS,
        generate=lambda: generate_images(out, cfg, args),
    )
    if done is None:
        return 0
    written, seconds = done
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


# ----------------------------------------------------------------------------
# Videos
# ----------------------------------------------------------------------------


def parse_video_args(argv: list[str] | None = None, prog: str | None = None) -> argparse.Namespace:
    """The video generator's flags (see :data:`VIDEO_HELP`); ``prog`` names the command in ``--help``."""
    parser = _parser(VIDEO_HELP, prog)
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
    _add_world_args(parser)
    _add_run_args(parser)
    return parser.parse_args(argv)


def video_config(args: argparse.Namespace) -> VideoWorldConfig:
    """The clip world the video flags ask for."""
    world = _world(args, image_size=args.image_size, max_objects=args.max_objects, seed=args.seed)
    return VideoWorldConfig(
        world=world,
        num_frames=args.num_frames,
        fps=args.fps,
        captions_per_video=args.captions_per_video,
    )


def video_splits(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """(split, clips, group size) of every split to write."""
    return [
        ("train", args.num_train, args.train_group_size),
        ("test", args.num_test, 1),
        ("test_directions", args.num_test_directions, args.group_size),
    ]


def video_meta(cfg: VideoWorldConfig, args: argparse.Namespace) -> dict:
    """What meta.json must hold for an existing video output to count as up to date."""
    counts = {name: {"clips": n, "group_size": g} for name, n, g in video_splits(args)}
    return {"generator_version": VIDEO_GENERATOR_VERSION, "config": cfg.to_dict(), "counts": counts}


def generate_videos(out: Path, cfg: VideoWorldConfig, args: argparse.Namespace) -> dict:
    """Write every split with clips; returns the paths written, by split and name."""
    written = {}
    for name, num, group_size in video_splits(args):
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
    return written


def video_main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """``tools/generate_shapes_world_video.py``: write the clips unless ``--out`` already holds them."""
    args = parse_video_args(argv, prog)
    cfg = video_config(args)
    out = Path(args.out)
    done = generate_once(
        out,
        video_meta(cfg, args),
        force=args.force,
        what="shapes-world videos",
        output_dirs=VIDEO_OUTPUT_DIRS,
        generate=lambda: generate_videos(out, cfg, args),
    )
    if done is None:
        return 0
    written, seconds = done
    total = sum(num for _, num, _ in video_splits(args) if num > 0)
    print(f"Wrote {total} clips of {cfg.num_frames} frames in {seconds:.1f} s to {out}:")
    for name, paths in written.items():
        print(f"  {name:16s} {paths['static_csv']}, {paths['motion_csv']}")
    return 0


COMMANDS = {"images": images_main, "video": video_main}


def main(argv: list[str] | None = None) -> int:
    """``python -m clipx.shapes_world {images,video} [flags]``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        names = ", ".join(COMMANDS)
        raise SystemExit(
            f"usage: python -m clipx.shapes_world {{{names}}} [flags]; got {argv[:1] or 'nothing'}. "
            "Add --help after the command for its flags."
        )
    return COMMANDS[argv[0]](argv[1:], prog=f"python -m clipx.shapes_world {argv[0]}")
