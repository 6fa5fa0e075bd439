"""LSeg and ViLD on scenes drawn by renderers independent of clipx's own.

    python benchmarks/dense_independent_shapes.py seg CONFIG [CHECKPOINT] [--images 30]   (none: MaskCLIP)
    python benchmarks/dense_independent_shapes.py det CONFIG CHECKPOINT [--images 30]
    python benchmarks/dense_independent_shapes.py ground GLIP_CONFIG CHECKPOINT [--images 30]
        [--renderers opencv pil vector] [--backgrounds flat ...] [--json OUT] [--cfg-options K=V ...]

The models were trained on shapes-world scenes; these are drawn by the
renderers of ``benchmarks/independent`` (OpenCV, PIL with other conventions,
supersampled vector outlines) on every background kind, 1-3 shapes that do
not overlap, with the ground truth taken from the drawing. ``--images`` scenes
are drawn per cell (background kind x renderer), at the model's input size
unless ``--size`` says otherwise. The vocabulary is the six plain shape
names; star and hexagon are the novel classes of the shapes-world configs.

* ``seg``: mIoU over base (background, circle, square, triangle, cross) and
  novel classes from mmseg's ``IoUMetric.intersect_and_union``, with the
  config's region re-scoring (``clipx.seg.RegionRescorer``) and per pixel (the
  same model with ``region_rescore`` off) side by side, next to what a
  uniformly random prediction scores on the same labels (chance, measured in
  the same run).
* ``det``: AP50 over base and novel categories by pycocotools' COCOeval.
* ``ground`` (GLIP): each scene gets a caption naming every object by colour
  and shape ("a red circle, a blue star and a green circle"); a phrase is
  found when its top box overlaps its object at IoU >= 0.5 (R@1, mmdet's
  Flickr30kMetric definition), over all phrases, novel-shape ones, and
  same-shape ones (another object of the shape is in the scene, so only the
  colour word picks it), next to the chance of picking among the objects of
  the named shape.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.independent import (  # noqa: E402
    NOVEL_SHAPES,
    SHAPES,
    add_cfg_options_argument,
    add_selection_arguments,
    cell_rng,
    draw_scene,
    format_grid,
    grid,
    per_cell,
    write_json,
)

SEG_LABELS = ["background", *SHAPES]
BASE_SHAPES = [s for s in SHAPES if s not in NOVEL_SHAPES]


# ------------------------------------------------------------------------------------ seg


@contextmanager
def region_rescore_as(model, rescorer):
    """Run ``model`` (an LSegSegmentor) with ``rescorer`` as its region re-scoring (None: off);
    a segmentor without re-scoring (GroupViT) runs as it is."""
    if not hasattr(model, "region_rescore"):
        yield
        return
    kept = model.region_rescore
    model.region_rescore = rescorer
    try:
        yield
    finally:
        model.region_rescore = kept


@torch.no_grad()
def segment_batch(model, images: list[np.ndarray], labels) -> list[np.ndarray]:
    """``clipx.seg.segment`` of same-size (H, W, 3) uint8 RGB images in one forward: (H, W) int64 masks."""
    from mmseg.structures import SegDataSample

    to_bgr = getattr(model.data_preprocessor, "channel_conversion", False)
    inputs = [
        torch.from_numpy(np.ascontiguousarray(i[..., ::-1] if to_bgr else i)).permute(2, 0, 1)
        for i in images
    ]
    shape = tuple(images[0].shape[:2])
    meta = dict(ori_shape=shape, img_shape=shape, pad_shape=shape)
    with model.vocabulary_as(labels):
        results = model.test_step(
            dict(inputs=inputs, data_samples=[SegDataSample(metainfo=meta) for _ in images])
        )
    return [r.pred_sem_seg.data[0].cpu().numpy().astype(np.int64) for r in results]


def label_map(scene) -> np.ndarray:
    """(H, W) int64 ground truth of a scene: indices into :data:`SEG_LABELS`."""
    target = np.zeros(scene.image.shape[:2], np.int64)
    for obj in scene.objects:
        target[obj.mask] = SEG_LABELS.index(obj.shape)
    return target


def seg_cell(model, cell, args) -> list[dict]:
    """Per scene: mmseg's intersect-and-union tuples per pixel and (if configured) re-scored."""
    from mmseg.evaluation.metrics import IoUMetric

    rng = cell_rng(args.seed, cell)
    scenes = [draw_scene(cell[1], cell[0], args.size, rng) for _ in range(args.images)]
    targets = [torch.from_numpy(label_map(s)) for s in scenes]
    rescorer = getattr(model, "region_rescore", None)  # GroupViT has none
    modes = {"pixel": None} | ({"region": rescorer} if rescorer is not None else {})
    out = [{} for _ in scenes]
    for start in range(0, len(scenes), args.batch):
        images = [s.image for s in scenes[start : start + args.batch]]
        for key, rescorer in modes.items():
            with region_rescore_as(model, rescorer):
                preds = segment_batch(model, images, SEG_LABELS)
            for k, pred in enumerate(preds, start=start):
                out[k][key] = IoUMetric.intersect_and_union(
                    torch.from_numpy(pred), targets[k], len(SEG_LABELS), ignore_index=255
                )
    return out


def miou(items: list[dict], key: str, subset: str) -> float:
    """mIoU in percent over the ``subset`` ('base' or 'novel') labels of the pooled ``key`` results."""
    from clipx.seg.metric import class_iou

    if not items or key not in items[0]:
        return float("nan")
    iou, _ = class_iou([item[key] for item in items])
    return 100.0 * nanmean(iou[_subset(subset)])


def chance_miou(items: list[dict], subset: str) -> float:
    """mIoU in percent a uniformly random prediction scores on the same labels."""
    from clipx.seg.metric import chance_iou, class_iou

    _, area = class_iou([item["pixel"] for item in items])
    return 100.0 * nanmean(chance_iou(area)[_subset(subset)])


def nanmean(values: np.ndarray) -> float:
    """The mean of the values that are not NaN; NaN (without numpy's warning) when none is."""
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if kept.size else float("nan")


def _subset(name: str) -> np.ndarray:
    novel = np.array([label in NOVEL_SHAPES for label in SEG_LABELS])
    return novel if name == "novel" else ~novel


def run_seg(args) -> dict:
    from clipx.seg import load_segmentor
    from clipx.seg.metric import class_iou

    model = load_segmentor(args.config, args.checkpoint, cfg_options=args.cfg_options)
    args.size = args.size or model.backbone.image_size[0]
    results = per_cell(lambda cell: seg_cell(model, cell, args), args)
    tables = {
        f"{subset}_{key}": grid(results, lambda items, k=key, s=subset: miou(items, k, s))
        for subset in ("base", "novel")
        for key in ("region", "pixel")
    }
    tables |= {
        f"chance_{s}": grid(results, lambda items, s=s: chance_miou(items, s))
        for s in ("base", "novel")
    }
    pooled = [item for items in results.values() for item in items]
    per_class = {key: dict(zip(SEG_LABELS, (100 * class_iou([i[key] for i in pooled])[0]).tolist(), strict=True))
                 for key in ("region", "pixel") if key in pooled[0]}  # fmt: skip
    rescore = (
        "region re-scoring / per pixel"
        if getattr(model, "region_rescore", None) is not None
        else "per pixel (no region_rescore in the config)"
    )
    print(
        f"{type(model).__name__.removesuffix('Segmentor')} on {len(pooled)} independently drawn {args.size}-px scenes, {args.images} per cell ({args.checkpoint or 'no checkpoint: training-free'})"
    )
    for subset in ("base", "novel"):
        shown = [tables[f"{subset}_{k}"] for k in ("region", "pixel") if k in pooled[0]]
        print(format_grid(f"mIoU {subset}, {rescore}", shown))
    print(format_grid("chance mIoU base / novel", [tables["chance_base"], tables["chance_novel"]]))
    for key, values in per_class.items():
        print(f"  per class ({key}): " + ", ".join(f"{n} {v:.1f}" for n, v in values.items()))
    return dict(benchmark="dense_independent_shapes seg", config=str(args.config), checkpoint=args.checkpoint and str(args.checkpoint),
                images_per_cell=args.images, size=args.size, seed=args.seed, scenes=len(pooled),
                region_rescore=str(getattr(model, "region_rescore", None)), mIoU=tables, per_class_iou=per_class)  # fmt: skip


# ------------------------------------------------------------------------------------ det


@torch.no_grad()
def detect_batch(model, images: list[np.ndarray], names) -> list:
    """``clipx.det.inference.detect`` of (H, W, 3) uint8 RGB images in one forward, every score kept."""
    from mmengine.dataset import pseudo_collate

    from clipx.det.inference import inference_pipeline, prompt_for

    _, prompt = prompt_for(model, names)  # ViLD: its vocabulary; GLIP: the samples' prompt
    pipeline = inference_pipeline(model)
    data = [
        pipeline(dict(img=np.ascontiguousarray(i[..., ::-1]), img_path="", img_id=k, img_shape=i.shape[:2],
                      ori_shape=i.shape[:2]))
        for k, i in enumerate(images)
    ]  # fmt: skip
    for sample in data:
        sample["data_samples"].set_metainfo(prompt)
    return [sample.pred_instances for sample in model.test_step(pseudo_collate(data))]


def det_cell(model, cell, args) -> list[dict]:
    """Per scene: its ground-truth objects and all detections, in COCO's xywh boxes."""
    rng = cell_rng(args.seed, cell)
    scenes = [draw_scene(cell[1], cell[0], args.size, rng) for _ in range(args.images)]
    found = []
    for start in range(0, len(scenes), args.batch):
        found += detect_batch(model, [s.image for s in scenes[start : start + args.batch]], SHAPES)
    out = []
    for scene, pred in zip(scenes, found, strict=True):
        truth = [dict(category_id=SHAPES.index(o.shape) + 1, bbox=_xywh(o.box), area=int(o.mask.sum()))
                 for o in scene.objects]  # fmt: skip
        dets = [
            dict(category_id=label + 1, bbox=[x1, y1, x2 - x1, y2 - y1], score=score)
            for (x1, y1, x2, y2), score, label in zip(
                pred.bboxes.tolist(), pred.scores.tolist(), pred.labels.tolist(), strict=True
            )
        ]
        out.append(dict(truth=truth, detections=dets))
    return out


def _xywh(box) -> list[int]:
    x0, y0, x1, y1 = box
    return [x0, y0, x1 - x0, y1 - y0]


def ap50(items: list[dict], names, size: int) -> float:
    """AP50 in percent of pycocotools' COCOeval over the categories ``names``, on the pooled scenes."""
    from mmdet.datasets.api_wrappers import COCO

    from clipx.det.metric import coco_ap

    images, annotations, detections = [], [], []
    for image_id, item in enumerate(items, start=1):
        images.append({"id": image_id, "width": size, "height": size})
        for t in item["truth"]:
            annotations.append(dict(t, id=len(annotations) + 1, image_id=image_id, iscrowd=0))
        detections += [dict(d, image_id=image_id) for d in item["detections"]]
    cat_ids = [SHAPES.index(s) + 1 for s in names]
    if not any(a["category_id"] in cat_ids for a in annotations):
        return float("nan")  # COCOeval's -1: no ground truth to find
    if not detections:
        return 0.0
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        gt = COCO()
        gt.dataset = {"images": images, "annotations": annotations,
                      "categories": [{"id": i + 1, "name": s} for i, s in enumerate(SHAPES)]}  # fmt: skip
        gt.createIndex()
        found = gt.loadRes(detections)
    return 100.0 * coco_ap(gt, found, cat_ids, [im["id"] for im in images])[1]


def run_det(args) -> dict:
    from clipx.det.inference import load_detector

    model = load_detector(args.config, args.checkpoint, cfg_options=args.cfg_options)
    args.size = args.size or model.clip.image_size[0]
    results = per_cell(lambda cell: det_cell(model, cell, args), args)
    tables = {
        "base": grid(results, lambda items: ap50(items, BASE_SHAPES, args.size)),
        "novel": grid(results, lambda items: ap50(items, NOVEL_SHAPES, args.size)),
    }
    scenes = sum(len(v) for v in results.values())
    print(
        f"{type(model).__name__} on {scenes} independently drawn {args.size}-px scenes, {args.images} per cell ({args.checkpoint})"
    )
    print(format_grid(f"AP50 base ({', '.join(BASE_SHAPES)}) / novel ({', '.join(NOVEL_SHAPES)})",
                      [tables["base"], tables["novel"]]))  # fmt: skip
    return dict(benchmark="dense_independent_shapes det", config=str(args.config), checkpoint=str(args.checkpoint),
                images_per_cell=args.images, size=args.size, seed=args.seed, scenes=scenes, AP50=tables)  # fmt: skip


# ------------------------------------------------------------------------------------ ground


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def scene_caption(scene) -> tuple[str, list[list[list[int]]]]:
    """A caption naming each object by colour and shape, and each phrase's character span."""
    caption, spans = "", []
    for i, obj in enumerate(scene.objects):
        if i:
            caption += " and " if i == len(scene.objects) - 1 else ", "
        phrase = f"a {obj.colour} {obj.shape}"
        spans.append([[len(caption), len(caption) + len(phrase)]])
        caption += phrase
    return caption, spans


@torch.no_grad()
def ground_cell(model, cell, args) -> list[dict]:
    """Per phrase: found at rank 1, novel, same-shape, and the chance of a shape-only pick."""
    from mmengine.dataset import pseudo_collate

    from clipx.det.inference import inference_pipeline

    rng = cell_rng(args.seed, cell)
    scenes = [draw_scene(cell[1], cell[0], args.size, rng) for _ in range(args.images)]
    pipeline = inference_pipeline(model)
    out = []
    for start in range(0, len(scenes), args.batch):
        batch = scenes[start : start + args.batch]
        data = []
        for k, scene in enumerate(batch):
            img = np.ascontiguousarray(scene.image[..., ::-1])
            shape = img.shape[:2]
            item = pipeline(dict(img=img, img_path="", img_id=k, img_shape=shape, ori_shape=shape))
            caption, spans = scene_caption(scene)
            item["data_samples"].set_metainfo(dict(text=caption, tokens_positive=spans))
            data.append(item)
        for scene, sample in zip(batch, model.test_step(pseudo_collate(data)), strict=True):
            pred = sample.pred_instances
            for index, obj in enumerate(scene.objects):
                mine = pred.labels == index
                same = sum(o.shape == obj.shape for o in scene.objects)
                found = False
                if mine.any():
                    top = int(torch.nonzero(mine)[pred.scores[mine].argmax()])
                    found = _iou(pred.bboxes[top].tolist(), obj.box) >= 0.5
                out.append(dict(found=found, novel=obj.shape in NOVEL_SHAPES,
                                same_shape=same > 1, chance=1.0 / same))  # fmt: skip
    return out


def recall(items: list[dict], key: str | None = None, value: str = "found") -> float:
    """Mean of ``value`` (in percent) over the phrases with ``key`` set (all when None)."""
    kept = [p[value] for p in items if key is None or p[key]]
    return 100.0 * float(np.mean(kept)) if kept else float("nan")


def run_ground(args) -> dict:
    from clipx.det import CLIPGLIP
    from clipx.det.inference import load_detector

    options = {
        "model.test_cfg.score_thr": 0.0,
        **dict(args.cfg_options or {}),
    }  # R@1 ranks every box
    model = load_detector(args.config, args.checkpoint, cfg_options=options)
    if not isinstance(model, CLIPGLIP):
        raise SystemExit(
            f"ground needs a GLIP config; {args.config} builds a {type(model).__name__}."
        )
    args.size = args.size or model.clip.image_size[0]
    results = per_cell(lambda cell: ground_cell(model, cell, args), args)
    tables = {
        "all": grid(results, recall),
        "novel": grid(results, lambda items: recall(items, "novel")),
        "same_shape": grid(results, lambda items: recall(items, "same_shape")),
        "chance_same_shape": grid(results, lambda items: recall(items, "same_shape", "chance")),
    }
    phrases = sum(len(v) for v in results.values())
    print(f"{type(model).__name__} grounding {phrases} phrases of independently drawn "
          f"{args.size}-px scenes, {args.images} per cell ({args.checkpoint})")  # fmt: skip
    print(format_grid("R@1 all / novel shape / same shape / its chance",
                      [tables["all"], tables["novel"], tables["same_shape"],
                       tables["chance_same_shape"]]))  # fmt: skip
    return dict(benchmark="dense_independent_shapes ground", config=str(args.config),
                checkpoint=str(args.checkpoint), images_per_cell=args.images, size=args.size,
                seed=args.seed, phrases=phrases, R1=tables)  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("task", choices=("seg", "det", "ground"))
    parser.add_argument("config")
    parser.add_argument(
        "checkpoint",
        nargs="?",
        help="its trained checkpoint; none for a training-free config (MaskCLIP)",
    )
    parser.add_argument(
        "--images", type=int, default=30, help="scenes per cell (background kind x renderer)"
    )
    parser.add_argument("--batch", type=int, default=16, help="scenes per forward")
    parser.add_argument("--size", type=int, help="image side (default: the model's input size)")
    parser.add_argument("--seed", type=int, default=11)
    add_cfg_options_argument(parser)
    add_selection_arguments(parser)
    args = parser.parse_args(argv)
    if args.images < 1 or args.batch < 1:
        parser.error(
            f"--images and --batch must be at least 1, got {args.images} and {args.batch}."
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    payload = {"seg": run_seg, "det": run_det, "ground": run_ground}[args.task](args)
    print(f"({time.perf_counter() - start:.0f} s)")
    if args.json:
        write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
