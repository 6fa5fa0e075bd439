"""Render GroupViT's groups: every grouping stage's segments in colours, and the labelled mask.

    python projects/groupvit/tools/show_groups.py CONFIG CHECKPOINT IMAGE [IMAGE ...] \
        [--labels background circle square ...] [--out-dir work_dirs/groupvit_groups]

Writes ``<image>_stage<i>.png`` (one colour per group, legend with each final group's best
label) and ``<image>_mask.png`` (the zero-shot segmentation into ``--labels``, default the
config's).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from clipx.seg import draw_overlay, load_segmentor, segment  # noqa: E402
from projects.groupvit.groupvit import draw_groups, group_maps  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("config")
    parser.add_argument("checkpoint")
    parser.add_argument("images", nargs="+")
    parser.add_argument("--labels", nargs="+", help="labels of the mask (default: the config's)")
    parser.add_argument("--out-dir", default="work_dirs/groupvit_groups")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    model = load_segmentor(args.config, args.checkpoint)
    labels = args.labels or list(model.vocabulary.names)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for image in args.images:
        stem = Path(image).stem
        with model.vocabulary_as(labels):
            maps = group_maps(model, image)
            mask = segment(model, image, labels)
        final = [
            f"group {g}: {name} {p:.2f}"
            for g, (name, p) in enumerate(zip(maps["labels"], maps["scores"], strict=True))
        ]
        for i, stage in enumerate(maps["stages"]):
            names = final if i == len(maps["stages"]) - 1 else None
            draw_groups(image, stage, names).save(out / f"{stem}_stage{i}.png")
        draw_overlay(image, mask, labels).save(out / f"{stem}_mask.png")
        print(f"{image}: " + ", ".join(final))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
