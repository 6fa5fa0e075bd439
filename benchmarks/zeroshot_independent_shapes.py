"""Zero-shot accuracy on shapes drawn by renderers independent of clipx's own.

    python benchmarks/zeroshot_independent_shapes.py --model clipx-RN-tiny-64 \
        --checkpoint work_dirs/clip_rn-tiny-64_1xb256-1000it_shapes-world/clip_latest.pt \
        [--per-class 20] [--renderers opencv pil vector] [--backgrounds flat ...] [--json OUT]

The shapes-world generator trained the model; these images are drawn by the
renderers of ``benchmarks/independent`` (OpenCV, PIL with other conventions,
supersampled vector outlines) on every background kind (flat, gradient, grey
noise, mild and strong colour noise, textures, clutter), one shape per image,
to check that a model learned "red circle" and not the training renderer's
quirks. The 36 classes are colour x shape; prompts are the class names only
(chance 2.8%). Prints top-1 per background kind (rows) and renderer
(columns), shape and colour accuracy the same way, per-shape accuracy per
kind, and the shape confusions that dominate.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.independent import (  # noqa: E402
    SHAPES,
    add_selection_arguments,
    cell_rng,
    class_names,
    draw_single,
    format_grid,
    grid,
    per_cell,
    write_json,
)
from clipx.backbone import FrozenCLIP  # noqa: E402

CLASSES = class_names()


def accuracy(pairs: list[tuple[int, int]], part=None) -> float:
    """Percent of (true, predicted) class pairs that agree, on the whole name or one ``part`` of it."""
    if not pairs:
        return float("nan")
    same = [_words(t, part) == _words(p, part) for t, p in pairs]
    return 100.0 * sum(same) / len(same)


def _shape_colour(label: int) -> tuple[str, str]:
    colour, shape = CLASSES[label].split()
    return shape, colour


def _words(label: int, part: str | None) -> str:
    colour, shape = CLASSES[label].split()
    return {None: CLASSES[label], "colour": colour, "shape": shape}[part]


@torch.no_grad()
def predict_cell(clip: FrozenCLIP, class_embeds, cell, args) -> list[tuple[int, int]]:
    """(true, predicted) class of ``--per-class`` images of every class drawn in one cell."""
    background, renderer = cell
    rng = cell_rng(args.seed, cell)
    size = clip.image_size[0]
    labels = [label for label in range(len(CLASSES)) for _ in range(args.per_class)]
    pairs = []
    for start in range(0, len(labels), args.batch):
        batch = labels[start : start + args.batch]
        images = [
            clip.normalise(draw_single(renderer, background, *_shape_colour(i), size, rng))
            for i in batch
        ]
        pred = (clip.encode_image(torch.stack(images)) @ class_embeds.T).argmax(dim=1).tolist()
        pairs += list(zip(batch, pred, strict=True))
    return pairs


def by_kind(results) -> dict[str, list[tuple[int, int]]]:
    """The (true, predicted) pairs of each background kind (all renderers pooled), then of ``overall``."""
    kinds = list(dict.fromkeys(b for b, _ in results))
    return {
        kind: [p for (b, _), items in results.items() if kind in (b, "overall") for p in items]
        for kind in [*kinds, "overall"]
    }


def per_shape(results) -> dict[str, dict[str, float]]:
    """Shape accuracy of each true shape, per background kind and overall."""
    return {
        kind: {
            s: accuracy([p for p in pairs if _words(p[0], "shape") == s], "shape") for s in SHAPES
        }
        for kind, pairs in by_kind(results).items()
    }


def confusions(results, top: int = 3) -> dict[str, list[dict]]:
    """The most frequent wrong shapes per background kind and overall, as shares of the true shape's images."""
    out = {}
    for kind, pairs in by_kind(results).items():
        totals = Counter(_words(t, "shape") for t, _ in pairs)
        wrong = Counter((_words(t, "shape"), _words(p, "shape")) for t, p in pairs)
        wrong = Counter({k: v for k, v in wrong.items() if k[0] != k[1]})
        out[kind] = [
            dict(true=t, predicted=p, percent=100.0 * n / totals[t])
            for (t, p), n in wrong.most_common(top)
        ]
    return out


def report(results, args) -> dict:
    """Print the tables; return them as a dict for ``--json``."""
    tables = {
        "top1": grid(results, accuracy),
        "shape": grid(results, lambda pairs: accuracy(pairs, "shape")),
        "colour": grid(results, lambda pairs: accuracy(pairs, "colour")),
    }
    shapes, confused = per_shape(results), confusions(results)
    total = sum(len(v) for v in results.values())
    print(f"{args.model} ({args.checkpoint}): {total} independently drawn images, {args.per_class} per class "
          f"and cell, {len(CLASSES)} classes (chance {100 / len(CLASSES):.1f}%)")  # fmt: skip
    print(format_grid("top-1 %", [tables["top1"]]))
    print(format_grid("shape / colour %", [tables["shape"], tables["colour"]]))
    print(format_rows("shape accuracy %", shapes))
    print("dominant shape confusions (share of the true shape's images):")
    for kind, items in confused.items():
        print(
            f"  {kind:20s} "
            + ", ".join(f"{c['true']} -> {c['predicted']} {c['percent']:.0f}%" for c in items)
        )
    return dict(benchmark="zeroshot_independent_shapes", model=args.model, checkpoint=str(args.checkpoint),
                per_class=args.per_class, seed=args.seed, images=total, chance=100 / len(CLASSES),
                **tables, per_shape=shapes, confusions=confused)  # fmt: skip


def format_rows(title: str, rows: dict[str, dict[str, float]]) -> str:
    """A table of ``rows[kind][column]`` values (one decimal)."""
    columns = list(next(iter(rows.values())))
    width = max(len(title), *(len(k) for k in rows))
    lines = [f"{title:{width}s}  " + "  ".join(f"{c:>8s}" for c in columns)]
    lines += [
        f"{k:{width}s}  " + "  ".join(f"{v[c]:8.1f}" for c in columns) for k, v in rows.items()
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", required=True, help="the architecture, e.g. clipx-RN-tiny-64")
    parser.add_argument("--checkpoint", required=True, help="its clipx checkpoint (clip_latest.pt)")
    parser.add_argument("--per-class", type=int, default=20, help="images per class and cell")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--seed", type=int, default=2024)
    add_selection_arguments(parser)
    args = parser.parse_args(argv)
    if args.per_class < 1:
        parser.error(f"--per-class must be at least 1, got {args.per_class}.")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    clip = FrozenCLIP(model_name=args.model, checkpoint=args.checkpoint)
    class_embeds = clip.embed_classes(CLASSES, templates="name")
    results = per_cell(lambda cell: predict_cell(clip, class_embeds, cell, args), args)
    payload = report(results, args)
    print(f"({time.perf_counter() - start:.0f} s)")
    if args.json:
        write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
