"""LSeg and ViLD on scenes drawn by a generator independent of clipx's own.

    python benchmarks/dense_independent_shapes.py seg CONFIG CHECKPOINT [--images 300]
    python benchmarks/dense_independent_shapes.py det CONFIG CHECKPOINT [--images 300]

The models were trained on shapes-world scenes; these are drawn here with
OpenCV (the shapes and plain colours of ``zeroshot_independent_shapes.py``,
flat or speckled grey backgrounds, 1-3 shapes that do not overlap), with the
ground truth taken from the drawing. The vocabulary is the six plain shape
names; star and hexagon are the novel classes of the shapes-world configs.

* ``seg``: mIoU over base (background, circle, square, triangle, cross) and
  novel classes, from mmseg's ``IoUMetric.intersect_and_union``, next to what a
  uniformly random prediction scores on the same labels (the baseline measured
  in the same run; the printed ratio is model over chance).
* ``det``: AP50 over base and novel categories by pycocotools' COCOeval.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from zeroshot_independent_shapes import COLOURS, SHAPES, polygon  # noqa: E402

NOVEL = ("star", "hexagon")


def draw_scene(rng: np.random.Generator, size: int, max_objects: int = 3):
    """(image (H, W, 3) uint8 RGB, [(shape, (H, W) bool mask)]) of 1-``max_objects`` shapes."""
    grey = int(rng.integers(70, 190))
    image = np.full((size, size, 3), grey, np.uint8)
    if rng.random() < 0.5:
        image = np.clip(image + rng.normal(0, 10, image.shape), 0, 255).astype(np.uint8)
    placed, objects = [], []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _attempt in range(20):
            r = rng.uniform(0.1, 0.2) * size
            cx, cy = rng.uniform(r + 2, size - r - 2, size=2)
            if all(np.hypot(cx - x, cy - y) > r + q + 2 for x, y, q in placed):
                break
        else:
            continue
        placed.append((cx, cy, r))
        shape = str(rng.choice(SHAPES))
        rgb = tuple(int(v) for v in COLOURS[str(rng.choice(list(COLOURS)))])
        mask = np.zeros((size, size), np.uint8)
        if shape == "circle":
            for canvas, colour in ((image, rgb), (mask, 1)):
                cv2.circle(canvas, (int(cx), int(cy)), int(r), colour, thickness=-1)
        else:
            angle = rng.uniform(-0.2, 0.2) if shape in ("square", "cross") else rng.uniform(0, 6.3)
            points = polygon(shape, cx, cy, r, angle)
            for canvas, colour in ((image, rgb), (mask, 1)):
                cv2.fillPoly(canvas, [points], colour)
        objects.append((shape, mask.astype(bool)))
    return image, objects


def run_seg(args) -> None:
    from mmseg.evaluation.metrics import IoUMetric

    from clipx.seg import load_segmentor, segment
    from clipx.seg.metric import chance_iou, class_iou

    labels = ["background", *SHAPES]
    model = load_segmentor(args.config, args.checkpoint)
    rng = np.random.default_rng(args.seed)
    results = []
    for _ in range(args.images):
        image, objects = draw_scene(rng, args.size)
        target = np.zeros((args.size, args.size), np.int64)
        for shape, mask in objects:
            target[mask] = labels.index(shape)
        pred = segment(model, image, labels)
        results.append(
            IoUMetric.intersect_and_union(
                torch.from_numpy(pred), torch.from_numpy(target), len(labels), ignore_index=255
            )
        )
    iou, area = class_iou(results)
    chance = chance_iou(area)
    novel = np.array([c in NOVEL for c in labels])
    print(f"LSeg on {args.images} independently drawn {args.size}-px scenes ({args.checkpoint})")
    for name, subset in (("base", ~novel), ("novel", novel)):
        m, c = 100 * np.nanmean(iou[subset]), 100 * np.nanmean(chance[subset])
        print(f"  mIoU {name:5s} {m:5.1f}  (chance {c:4.1f}; ratio {m / c:.1f}x)")
    print(
        "  per class: " + ", ".join(f"{n} {100 * v:.1f}" for n, v in zip(labels, iou, strict=True))
    )


def run_det(args) -> None:
    from mmdet.datasets.api_wrappers import COCO

    from clipx.det.inference import detect, load_detector
    from clipx.det.metric import coco_ap

    model = load_detector(args.config, args.checkpoint)
    rng = np.random.default_rng(args.seed)
    cats = [{"id": i + 1, "name": s} for i, s in enumerate(SHAPES)]
    images, annotations, detections = [], [], []
    for img_id in range(1, args.images + 1):
        image, objects = draw_scene(rng, args.size)
        images.append({"id": img_id, "width": args.size, "height": args.size})
        for shape, mask in objects:
            ys, xs = np.nonzero(mask)
            box = [
                int(xs.min()),
                int(ys.min()),
                int(xs.max() - xs.min() + 1),
                int(ys.max() - ys.min() + 1),
            ]
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": img_id,
                    "category_id": SHAPES.index(shape) + 1,
                    "bbox": box,
                    "area": int(mask.sum()),
                    "iscrowd": 0,
                }
            )
        found = detect(model, image, list(SHAPES), score_thr=0.0)
        for (x1, y1, x2, y2), score, label in zip(
            found.bboxes.tolist(), found.scores.tolist(), found.labels.tolist(), strict=True
        ):
            detections.append(
                {
                    "image_id": img_id,
                    "category_id": label + 1,
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "score": score,
                }
            )
    gt = COCO()
    gt.dataset = {"images": images, "annotations": annotations, "categories": cats}
    gt.createIndex()
    dt = gt.loadRes(detections) if detections else None
    ids = [im["id"] for im in images]
    print(f"ViLD on {args.images} independently drawn {args.size}-px scenes ({args.checkpoint})")
    for name, names in (("base", [s for s in SHAPES if s not in NOVEL]), ("novel", list(NOVEL))):
        cat_ids = [SHAPES.index(s) + 1 for s in names]
        ap50 = 100 * coco_ap(gt, dt, cat_ids, ids)[1] if dt is not None else 0.0
        print(f"  AP50 {name:5s} {ap50:5.1f}  ({', '.join(names)})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("task", choices=("seg", "det"))
    parser.add_argument("config")
    parser.add_argument("checkpoint")
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument(
        "--size", type=int, help="image side (default: seg 64, det 128, as trained)"
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    args.size = args.size or (64 if args.task == "seg" else 128)
    (run_seg if args.task == "seg" else run_det)(args)


if __name__ == "__main__":
    main()
