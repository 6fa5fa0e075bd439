"""Motion direction on clips drawn by a generator independent of clipx's own.

    python benchmarks/video_direction_independent.py \
        configs/clip4clip/clip4clip_seqtransf_rn-tiny-64_1xb32-2000it_shapes-world-video-motion.py \
        work_dirs/clip4clip_seqtransf_rn-tiny-64_1xb32-2000it_shapes-world-video-motion/iter_2000.pth

The seqTransf head was trained on shapes-world clips; these clips are drawn
here with OpenCV (other colour values, sizes, speeds and backgrounds, the
shapes of ``zeroshot_independent_shapes.py``) with captions in a plain
phrasing of their own ("a red circle moving left and a blue star moving up").
Every clip comes with its time reversal, in which every shape moves the other
way. Reversal accuracy (chance 50%) is the share of captions that score their
own clip above the reversed one; the same frozen backbone with meanP (the
order-blind baseline) is measured in the same run, and the printed ratio is
seqTransf over meanP.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from zeroshot_independent_shapes import COLOURS, SHAPES, polygon  # noqa: E402

from clipx.apis import expect_model_type, init_model  # noqa: E402
from clipx.evaluation.video_retrieval import reversal_accuracy  # noqa: E402
from clipx.video import CLIP4Clip, MeanPooling  # noqa: E402

STEPS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}
REVERSE = {"left": "right", "right": "left", "up": "down", "down": "up"}


def draw_shape(image, shape, colour, cx, cy, r, angle) -> None:
    rgb = tuple(int(v) for v in COLOURS[colour])
    if shape == "circle":
        cv2.circle(image, (int(cx), int(cy)), int(r), rgb, thickness=-1, lineType=cv2.LINE_AA)
    else:
        cv2.fillPoly(image, [polygon(shape, cx, cy, r, angle)], rgb, lineType=cv2.LINE_AA)


def draw_clip(objects, size: int, frames: int, background: np.ndarray) -> list[np.ndarray]:
    """Frames of shapes moving from ``start`` by ``travel`` pixels along their direction."""
    out = []
    for t in np.linspace(0.0, 1.0, frames):
        image = background.copy()
        for o in objects:
            dx, dy = STEPS[o["direction"]]
            cx = o["start"][0] + dx * o["travel"] * t
            cy = o["start"][1] + dy * o["travel"] * t
            draw_shape(image, o["shape"], o["colour"], cx, cy, o["r"], o["angle"])
        out.append(image)
    return out


def random_objects(rng: np.random.Generator, size: int, count: int) -> list[dict]:
    objects = []
    colours = rng.choice(list(COLOURS), size=count, replace=False)
    shapes = rng.choice(SHAPES, size=count, replace=False)
    for colour, shape in zip(colours, shapes, strict=True):
        r = rng.uniform(0.09, 0.16) * size
        direction = str(rng.choice(list(STEPS)))
        travel = rng.uniform(0.3, 0.5) * size
        dx, dy = STEPS[direction]
        # start so that the whole path stays inside the frame
        start = []
        for step in (dx, dy):
            low, high = r + 2, size - r - 2
            if step > 0:
                high -= travel
            elif step < 0:
                low += travel
            start.append(rng.uniform(low, high))
        angle = (
            rng.uniform(-0.2, 0.2) if shape in ("square", "cross") else rng.uniform(0, 2 * np.pi)
        )
        objects.append(
            dict(
                colour=str(colour),
                shape=str(shape),
                r=r,
                direction=direction,
                travel=travel,
                start=start,
                angle=angle,
            )
        )
    return objects


def caption(objects) -> str:
    return " and ".join(f"a {o['colour']} {o['shape']} moving {o['direction']}" for o in objects)


def reversed_objects(objects) -> list[dict]:
    out = []
    for o in objects:
        dx, dy = STEPS[o["direction"]]
        end = [o["start"][0] + dx * o["travel"], o["start"][1] + dy * o["travel"]]
        out.append(dict(o, direction=REVERSE[o["direction"]], start=end))
    return out


@torch.no_grad()
def direction_accuracy(model: CLIP4Clip, clips, masks, texts) -> float:
    """clipx's ``reversal_acc`` (ties count one half) over (clip, reversal) pairs in order."""
    videos = model.encode_video(clips, masks)
    text = model.encode_text(texts)
    pairs = [(i, i + 1) for i in range(0, len(texts), 2)]
    row = {i: i for i in range(len(texts))}
    return reversal_accuracy(videos, [t[None] for t in text], pairs, row)[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("config", help="a CLIP4Clip seqTransf config")
    parser.add_argument("checkpoint", help="its trained checkpoint")
    parser.add_argument("--pairs", type=int, default=200, help="clips and their reversals")
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    model: CLIP4Clip = init_model(args.config, args.checkpoint)
    expect_model_type(model, CLIP4Clip, configs="configs/clip4clip/")
    size = model.clip.image_size[0]
    transform = model.clip.image_transform()
    rng = np.random.default_rng(args.seed)
    clips, texts, counts = [], [], []
    for _ in range(args.pairs):
        count = int(rng.integers(1, 3))
        objects = random_objects(rng, size, count)
        grey = int(rng.integers(70, 190))
        background = np.full((size, size, 3), grey, np.uint8)
        if rng.random() < 0.5:
            background = np.clip(background + rng.normal(0, 10, background.shape), 0, 255).astype(
                np.uint8
            )
        for objs in (objects, reversed_objects(objects)):
            frames = draw_clip(objs, size, args.frames, background)
            clips.append(torch.stack([transform(Image.fromarray(f)) for f in frames]))
            texts.append(caption(objs))
            counts.append(count)
    clips = torch.stack(clips)
    masks = torch.ones(clips.shape[:2], dtype=torch.bool)
    seq = direction_accuracy(model, clips, masks, texts)
    aggregator, model.aggregator = model.aggregator, MeanPooling()
    mean = direction_accuracy(model, clips, masks, texts)
    model.aggregator = aggregator
    one = [i for i, c in enumerate(counts) if c == 1]
    seq_one = (
        direction_accuracy(model, clips[one], masks[one], [texts[i] for i in one])
        if one
        else float("nan")
    )
    print(f"{len(texts)} independently drawn clips ({args.pairs} reversal pairs), chance 50%")
    print(
        f"  reversal accuracy: seqTransf {seq:.1f}%, meanP {mean:.1f}%, ratio {seq / max(mean, 1e-9):.2f}x"
    )
    print(f"  one-shape clips only: seqTransf {seq_one:.1f}% ({len(one)} clips)")


if __name__ == "__main__":
    main()
