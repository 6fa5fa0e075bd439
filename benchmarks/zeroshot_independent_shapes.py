"""Zero-shot accuracy on shapes drawn by a generator independent of clipx's own.

    python benchmarks/zeroshot_independent_shapes.py --model clipx-RN-tiny-64 \
        --checkpoint work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt

The shapes-world generator trained the model; these images are drawn here with
OpenCV's primitives instead (no supersampling, other colour values, other
size range, flat or speckled backgrounds), one shape per image, to check that
a model learned "red circle" and not the training renderer's quirks. Prompts
are the class names only. Prints top-1 overall and per shape and colour.
"""

from __future__ import annotations

import argparse
from collections import Counter

import cv2
import numpy as np
import torch
from PIL import Image

from clipx.backbone import FrozenCLIP

COLOURS = {  # plain, saturated values, unlike the training generator's jittered shades
    "red": (230, 30, 30),
    "green": (30, 170, 60),
    "blue": (40, 70, 230),
    "yellow": (240, 220, 40),
    "purple": (140, 50, 190),
    "orange": (250, 140, 20),
}
SHAPES = ("circle", "square", "triangle", "star", "hexagon", "cross")


def polygon(shape: str, cx: float, cy: float, r: float, angle: float) -> np.ndarray:
    """The outline of ``shape`` centred at (cx, cy), radius r, rotated by ``angle`` degrees (OpenCV points)."""
    if shape == "square":
        pts = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
        pts = [(x * 0.8, y * 0.8) for x, y in pts]
    elif shape == "triangle":
        pts = [(np.cos(a), np.sin(a)) for a in np.radians([-90, 30, 150])]
    elif shape == "hexagon":
        pts = [(np.cos(a), np.sin(a)) for a in np.radians(np.arange(0, 360, 60))]
    elif shape == "star":
        pts = [
            ((1.0 if i % 2 == 0 else 0.4) * np.cos(a), (1.0 if i % 2 == 0 else 0.4) * np.sin(a))
            for i, a in enumerate(np.radians(np.arange(-90, 270, 36)))
        ]
    elif shape == "cross":
        w = 0.33
        pts = [(-w, -1), (w, -1), (w, -w), (1, -w), (1, w), (w, w), (w, 1), (-w, 1), (-w, w), (-1, w), (-1, -w), (-w, -w)]
    else:
        raise ValueError(shape)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    pts = np.array(pts) @ rot.T * r + np.array([cx, cy])
    return np.round(pts).astype(np.int32)


def draw(shape: str, colour: str, size: int, rng: np.random.Generator) -> np.ndarray:
    grey = int(rng.integers(70, 190))
    image = np.full((size, size, 3), grey, np.uint8)
    if rng.random() < 0.5:  # speckle
        image = np.clip(image + rng.normal(0, 10, image.shape), 0, 255).astype(np.uint8)
    r = rng.uniform(0.1, 0.24) * size
    cx, cy = rng.uniform(r + 2, size - r - 2, size=2)
    rgb = tuple(int(v) for v in COLOURS[colour])
    if shape == "circle":
        cv2.circle(image, (int(cx), int(cy)), int(r), rgb, thickness=-1, lineType=cv2.LINE_AA)
    else:
        angle = rng.uniform(-0.2, 0.2) if shape in ("square", "cross") else rng.uniform(0, 2 * np.pi)
        cv2.fillPoly(image, [polygon(shape, cx, cy, r, angle)], rgb, lineType=cv2.LINE_AA)
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--per-class", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    clip = FrozenCLIP(model_name=args.model, checkpoint=args.checkpoint)
    size = clip.image_size[0]
    classes = [f"{c} {s}" for c in COLOURS for s in SHAPES]
    class_embeds = clip.embed_classes(classes, templates="name")
    transform = clip.image_transform()
    rng = np.random.default_rng(args.seed)
    correct, per_shape, per_colour, total = 0, Counter(), Counter(), 0
    for label, name in enumerate(classes):
        colour, shape = name.split()
        images = [transform(Image.fromarray(draw(shape, colour, size, rng))) for _ in range(args.per_class)]
        pred = (clip.encode_image(torch.stack(images)) @ class_embeds.T).argmax(dim=1)
        hits = int((pred == label).sum())
        correct += hits
        total += len(images)
        per_shape[shape] += hits
        per_colour[colour] += hits
    print(f"{args.model}: top-1 {100 * correct / total:.1f}% on {total} independently drawn images "
          f"({len(classes)} classes, chance {100 / len(classes):.1f}%)")
    print("  per shape:  " + ", ".join(f"{s} {100 * per_shape[s] / (args.per_class * 6):.0f}%" for s in SHAPES))
    print("  per colour: " + ", ".join(f"{c} {100 * per_colour[c] / (args.per_class * 6):.0f}%" for c in COLOURS))


if __name__ == "__main__":
    main()
