"""Motion direction on clips drawn by renderers independent of clipx's own.

    python benchmarks/video_direction_independent.py \
        configs/clip4clip/clip4clip_seqtransf_rn-tiny-64_1xb32-4000it_shapes-world-video-motion.py \
        work_dirs/clip4clip_seqtransf_rn-tiny-64_1xb32-4000it_shapes-world-video-motion/iter_4000.pth \
        [--pairs 20] [--renderers opencv pil vector] [--backgrounds flat ...] [--json OUT]

The seqTransf head was trained on shapes-world clips; these clips are drawn by
the renderers of ``benchmarks/independent`` (OpenCV, PIL with other
conventions, supersampled vector outlines) over each background kind (one
background per clip, fixed over its frames), 1-2 shapes moving in a straight
line, with captions in a plain phrasing of their own ("a red circle moving
left and a blue star moving up"). Every clip comes with its time reversal, in
which every shape moves the other way. Reversal accuracy (chance 50%) is the
share of captions that score their own clip above the reversed one, per
background kind (rows) and renderer (columns); the same frozen frame
embeddings pooled by meanP (the order-blind baseline) are scored beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.independent import (  # noqa: E402
    add_cfg_options_argument,
    add_selection_arguments,
    cell_rng,
    draw_background,
    draw_clip,
    format_grid,
    grid,
    make_renderer,
    per_cell,
    sample_motions,
    write_json,
)
from clipx.apis import expect_model_type, init_model  # noqa: E402
from clipx.evaluation.video_retrieval import reversal_accuracy  # noqa: E402
from clipx.video import CLIP4Clip, MeanPooling  # noqa: E402


def caption(motions) -> str:
    """``"a red circle moving left and a blue star moving up"``."""
    return " and ".join(f"a {m.start.colour} {m.start.shape} moving {m.direction}" for m in motions)


def draw_pairs(cell, args, size: int):
    """Frames (2P, T, H, W, 3) uint8, captions (2P,) and shape counts (P,): each clip, then its reversal."""
    background_kind, renderer_name = cell
    rng = cell_rng(args.seed, cell)
    clips, texts, counts = [], [], []
    for _ in range(args.pairs):
        count = int(rng.integers(1, 3))
        renderer = make_renderer(renderer_name, rng)
        background = draw_background(background_kind, size, rng)
        motions = sample_motions(rng, size, count)
        for version in (motions, [m.reversed() for m in motions]):
            clips.append(np.stack(draw_clip(renderer, background, version, args.frames)))
            texts.append(caption(version))
        counts.append(count)
    return np.stack(clips), texts, counts


@torch.no_grad()
def score_cell(model: CLIP4Clip, cell, args) -> list[dict]:
    """Per reversal pair: seqTransf's and meanP's reversal accuracy and the pair's shape count."""
    frames, texts, counts = draw_pairs(cell, args, model.clip.image_size[0])
    flat = torch.stack([model.clip.normalise(f) for f in frames.reshape(-1, *frames.shape[2:])])
    embeds = model.clip.encode_image(flat).view(*frames.shape[:2], -1)  # encoded once, pooled twice
    mask = torch.ones(frames.shape[:2], dtype=torch.bool)
    text = [t[None] for t in model.encode_text(texts)]
    videos = {"seqTransf": model.aggregate_frames(embeds, mask)}
    aggregator, model.aggregator = model.aggregator, MeanPooling()
    try:
        videos["meanP"] = model.aggregate_frames(embeds, mask)
    finally:
        model.aggregator = aggregator
    row = {i: i for i in range(len(texts))}
    return [
        {
            name: reversal_accuracy(v, text, [(2 * k, 2 * k + 1)], row)[0]
            for name, v in videos.items()
        }
        | {"shapes": count}
        for k, count in enumerate(counts)
    ]


def mean_of(items: list[dict], key: str, shapes: int | None = None) -> float:
    """Mean reversal accuracy (every pair has two trials), optionally of ``shapes``-shape pairs only."""
    values = [i[key] for i in items if shapes is None or i["shapes"] == shapes]
    return float(np.mean(values)) if values else float("nan")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("config", help="a CLIP4Clip seqTransf config")
    parser.add_argument("checkpoint", help="its trained checkpoint")
    parser.add_argument("--pairs", type=int, default=20, help="clips and their reversals per cell")
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    add_cfg_options_argument(parser)
    add_selection_arguments(parser)
    args = parser.parse_args(argv)
    if args.pairs < 1 or args.frames < 2:
        parser.error(
            f"--pairs must be at least 1 and --frames at least 2, got {args.pairs} and {args.frames}."
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    model: CLIP4Clip = init_model(args.config, args.checkpoint, cfg_options=args.cfg_options)
    expect_model_type(model, CLIP4Clip, configs="configs/clip4clip/")
    results = per_cell(lambda cell: score_cell(model, cell, args), args)
    tables = {
        key: grid(results, lambda items, k=key: mean_of(items, k)) for key in ("seqTransf", "meanP")
    }
    tables["seqTransf_one_shape"] = grid(
        results, lambda items: mean_of(items, "seqTransf", shapes=1)
    )
    pairs = sum(len(v) for v in results.values())
    print(
        f"{2 * pairs} independently drawn clips ({pairs} reversal pairs, {args.pairs} per cell), chance 50%"
    )
    print(
        format_grid(
            "reversal accuracy %, seqTransf / meanP", [tables["seqTransf"], tables["meanP"]]
        )
    )
    print(format_grid("seqTransf, one-shape clips only", [tables["seqTransf_one_shape"]]))
    print(f"({time.perf_counter() - start:.0f} s)")
    if args.json:
        write_json(args.json, dict(benchmark="video_direction_independent", config=str(args.config),
                                   checkpoint=str(args.checkpoint), pairs_per_cell=args.pairs, frames=args.frames,
                                   seed=args.seed, pairs=pairs, reversal_accuracy=tables))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
