"""Detect any list of category names (ViLD, GLIP) or ground a caption (GLIP), and draw the boxes.

    python tools/detect.py CONFIG CHECKPOINT IMAGE --names circle "a star" hexagon [--out boxes.png]
    python tools/detect.py GLIP_CONFIG CHECKPOINT IMAGE --caption "a red circle left of a star" \\
        --phrases "a red circle" "a star"

The names need not be the training categories: they are embedded with the
model's CLIP text tower on the spot. With ``--caption`` each of ``--phrases``
is grounded and each box drawn with its phrase; without ``--phrases`` the
whole caption is one referring expression ("the small red circle left of the star").
"""

from __future__ import annotations

import argparse
import sys

from mmengine.config import DictAction

from clipx.det import detect, draw_detections, load_detector


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("config")
    parser.add_argument("checkpoint")
    parser.add_argument("image")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--names", nargs="+", help="category names to detect")
    what.add_argument("--caption", help="a caption or referring expression to ground (GLIP)")
    parser.add_argument("--phrases", nargs="+", help="the caption's phrases (default: all of it)")
    parser.add_argument("--score-thr", type=float, default=0.3)
    parser.add_argument("--scale", type=int, default=1, help="enlarge the drawing this many times")
    parser.add_argument("--out", default="detections.png", help="where to save the drawing")
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, help="override config entries"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    model = load_detector(
        args.config, args.checkpoint, device=args.device, cfg_options=args.cfg_options
    )
    if args.phrases and not args.caption:
        raise SystemExit("--phrases goes with --caption.")
    found = detect(
        model,
        args.image,
        args.names,
        caption=args.caption,
        phrases=args.phrases,
        score_thr=args.score_thr,
    )
    for name, score, box in zip(
        found.names, found.scores.tolist(), found.bboxes.tolist(), strict=True
    ):
        print(f"{name:20s} {score:.3f}  [{', '.join(f'{v:.1f}' for v in box)}]")
    draw_detections(args.image, found, scale=args.scale).save(args.out)
    print(f"{len(found.names)} detection(s) drawn to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
