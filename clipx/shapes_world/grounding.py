"""Shapes world as grounding data in mmdet's formats (GLIP: detection as phrase grounding).

Written beside the detection split it describes (the same images and boxes),
from ``annotations/train_all.json`` and ``annotations/val.json``, with each
object's size word taken from its scene (re-drawn from the detection seeds,
nothing rendered again). Layout under the detection folder::

    annotations/label_map.json              ODVG label map: the base shape names
    annotations/label_map_all.json          every shape (the supervised oracle)
    annotations/train_od.odvg.jsonl         ODVG detection lines, base boxes only
    annotations/train_all_od.odvg.jsonl     every box (the oracle)
    annotations/train_vg.odvg.jsonl         ODVG grounding lines: a caption per image whose
                                            phrases name only base objects, with spans and boxes
    annotations/train_all_vg.odvg.jsonl     captions that name every object (the oracle)
    annotations/val_grounding.json          Flickr30k-entities style (mmdet's Flickr30kDataset):
                                            a held-out caption per val image, every object a phrase
    annotations/val_refexp.json             MDETR RefCOCO style (mmdet's MDETRStyleRefCocoDataset):
                                            one referring expression per val object

Phrases are what anyone would write: ``"a circle"`` (only when the image has
one circle), ``"a red circle"``, ``"a small red circle"``. Each phrase of the
grounding split records its kinds in ``phrase_types`` (``base``/``novel``,
``shape_only``/``attribute``, and ``same_shape`` when another object of the
same shape is in the image, so the phrase must use colour or size to pick
its object, where a detector that knows only categories is at chance: one
over the number of same-shape objects, recorded as ``chance``). Referring
expressions name their object uniquely (``"the red circle"``, ``"the
circle"`` when it is the only one), half of them with a relation to another
object (``"the red circle left of the star"``).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .captions import IMAGE_PREFIXES, relation
from .config import ShapesWorldConfig
from .output import atomic_write
from .scene import ShapeObject, image_rng, sample_scene

PHRASE_TYPES = ("base", "novel", "shape_only", "attribute", "same_shape")


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _objects(record: dict, cfg: ShapesWorldConfig, split: str) -> dict[int, list[dict]]:
    """Per image id, its objects: shape, colour, size, centre and box (x0, y0, x1, y1)."""
    names = {c["id"]: c["name"] for c in record["categories"]}
    by_image: dict[int, list[dict]] = {img["id"]: [] for img in record["images"]}
    for ann in record["annotations"]:
        x, y, w, h = ann["bbox"]
        by_image[ann["image_id"]].append(
            {
                "shape": names[ann["category_id"]],
                "colour": ann["colour"],
                "box": [x, y, x + w, y + h],
            }
        )
    for index, image in enumerate(record["images"]):
        scene = sample_scene(cfg, image_rng(cfg.seed, f"detection/{split}", index))
        drawn = {(o.colour, o.shape): o for o in scene.objects}
        for obj in by_image[image["id"]]:
            source: ShapeObject = drawn[(obj["colour"], obj["shape"])]
            obj.update(size=source.size, center=source.center)
    return by_image


def _phrase(obj: dict, objects: Sequence[dict], rng: np.random.Generator, article: str) -> str:
    """A phrase that names ``obj``: shape alone only when no other object has its shape."""
    alone = sum(o["shape"] == obj["shape"] for o in objects) == 1
    form = int(rng.integers(3)) if alone else 1 + int(rng.integers(2))
    words = [
        [obj["shape"]],
        [obj["colour"], obj["shape"]],
        [obj["size"], obj["colour"], obj["shape"]],
    ][form]
    lead = _article(words[0]) if article == "a" else "the"
    return f"{lead} {' '.join(words)}"


def phrase_types(
    obj: dict, objects: Sequence[dict], phrase: str, novel: Sequence[str]
) -> list[str]:
    """The kinds of a phrase (see the module docstring)."""
    kinds = ["novel" if obj["shape"] in novel else "base"]
    kinds.append("shape_only" if len(phrase.split()) == 2 else "attribute")
    if sum(o["shape"] == obj["shape"] for o in objects) > 1:
        kinds.append("same_shape")
    return kinds


def grounded_caption(
    objects: Sequence[dict], rng: np.random.Generator
) -> tuple[str, list[tuple[str, list[int], dict]]]:
    """A caption naming every object of ``objects`` and, per phrase, (phrase, [start, end], object)."""
    order = [objects[i] for i in rng.permutation(len(objects))]
    phrases = [_phrase(o, objects, rng, "a") for o in order]
    rel = (
        relation(_point(order[0]), _point(order[1]))
        if len(order) > 1 and rng.random() < 0.5
        else None
    )
    prefix = IMAGE_PREFIXES[int(rng.integers(len(IMAGE_PREFIXES)))].replace("{}", "")
    caption, regions = prefix, []
    for i, (phrase, obj) in enumerate(zip(phrases, order, strict=True)):
        if i == 1:
            caption += f" {rel} " if rel else (" and " if len(order) == 2 else ", ")
        elif i > 1:
            caption += " and " if i == len(order) - 1 else ", "
        regions.append((phrase, [len(caption), len(caption) + len(phrase)], obj))
        caption += phrase
    return caption, regions


def _point(obj: dict) -> ShapeObject:
    """A stand-in with the centre, for :func:`~clipx.shapes_world.captions.relation`."""
    return ShapeObject(
        obj["shape"], obj["colour"], obj["size"], tuple(obj["center"]), 1.0, 0.0, (0, 0, 0)
    )


def referring_expression(target: dict, objects: Sequence[dict], rng: np.random.Generator) -> str:
    """``'the red circle'``, ``'the circle'`` (the only one), with a relation half of the time."""
    alone = sum(o["shape"] == target["shape"] for o in objects) == 1
    words = (
        [target["shape"]] if alone and rng.random() < 0.5 else [target["colour"], target["shape"]]
    )
    if rng.random() < 0.3:
        words = [target["size"], *words]
    expression = "the " + " ".join(words)
    others = [o for o in objects if o is not target]
    if others and rng.random() < 0.5:
        other = others[int(rng.integers(len(others)))]
        rel = relation(_point(target), _point(other))
        if rel is not None:
            expression += f" {rel} " + _phrase(other, objects, rng, "the")
    return expression


def _odvg_line(image: dict, payload: dict) -> str:
    return json.dumps(
        {
            "filename": image["file_name"],
            "height": image["height"],
            "width": image["width"],
            **payload,
        }
    )


def write_grounding(
    det_dir: str | os.PathLike, cfg: ShapesWorldConfig, *, novel: Sequence[str]
) -> dict[str, Path]:
    """Write the grounding annotations of the detection split in ``det_dir`` (see the module docstring).

    Args:
        det_dir: the folder :func:`~clipx.shapes_world.detection.write_detection` wrote.
        cfg: the configuration it was written with (image size included).
        novel: the shapes whose boxes training leaves out.
    """
    ann = Path(det_dir) / "annotations"
    train = json.loads((ann / "train_all.json").read_text(encoding="utf-8"))
    val = json.loads((ann / "val.json").read_text(encoding="utf-8"))
    names = [c["name"] for c in train["categories"]]
    base = [n for n in names if n not in novel]
    out: dict[str, Path] = {}

    def write(name: str, text: str) -> None:
        with atomic_write(ann / name) as f:
            f.write(text)
        out[name] = ann / name

    write("label_map.json", json.dumps({str(i): n for i, n in enumerate(base)}))
    write("label_map_all.json", json.dumps({str(i): n for i, n in enumerate(names)}))
    train_objects = _objects(train, cfg, "train")
    for tag, vocab in (("", base), ("_all", names)):
        od, vg = [], []
        for index, image in enumerate(train["images"]):
            kept = [o for o in train_objects[image["id"]] if o["shape"] in vocab]
            instances = [
                {"bbox": o["box"], "label": vocab.index(o["shape"]), "category": o["shape"]}
                for o in kept
            ]
            od.append(_odvg_line(image, {"detection": {"instances": instances}}))
            if kept:
                rng = image_rng(cfg.seed, f"grounding/train{tag}", index)
                caption, regions = grounded_caption(kept, rng)
                regions = [
                    {"bbox": o["box"], "phrase": p, "tokens_positive": [span]}
                    for p, span, o in regions
                ]
                vg.append(
                    _odvg_line(image, {"grounding": {"caption": caption, "regions": regions}})
                )
        write(f"train{tag}_od.odvg.jsonl", "\n".join(od) + "\n")
        write(f"train{tag}_vg.odvg.jsonl", "\n".join(vg) + "\n")
    write("val_grounding.json", json.dumps(_flickr_style(val, cfg, novel)))
    write("val_refexp.json", json.dumps(_refexp_style(val, cfg)))
    return out


def _flickr_style(val: dict, cfg: ShapesWorldConfig, novel: Sequence[str]) -> dict:
    objects = _objects(val, cfg, "val")
    images, annotations = [], []
    for index, image in enumerate(val["images"]):
        objs = objects[image["id"]]
        if not objs:
            continue
        caption, regions = grounded_caption(objs, image_rng(cfg.seed, "grounding/val", index))
        shapes = Counter(o["shape"] for o in objs)
        entry = {
            **image,
            "caption": caption,
            "tokens_positive_eval": [[span] for _, span, _ in regions],
            "phrase_types": [phrase_types(o, objs, p, novel) for p, _, o in regions],
            "chance": [1.0 / shapes[o["shape"]] for _, _, o in regions],
        }
        images.append(entry)
        for phrase_id, (_, span, obj) in enumerate(regions):
            annotations.append(
                _box_annotation(
                    len(annotations) + 1,
                    image["id"],
                    obj,
                    phrase_ids=phrase_id,
                    tokens_positive=[span],
                )
            )
    return {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": "object"}],
    }


def _refexp_style(val: dict, cfg: ShapesWorldConfig) -> dict:
    objects = _objects(val, cfg, "val")
    images, annotations = [], []
    for index, image in enumerate(val["images"]):
        objs = objects[image["id"]]
        rng = image_rng(cfg.seed, "grounding/refexp", index)
        for obj in objs:
            ref_id = len(images) + 1
            images.append(
                {
                    "id": ref_id,
                    "original_id": image["id"],
                    "file_name": image["file_name"],
                    "height": image["height"],
                    "width": image["width"],
                    "caption": referring_expression(obj, objs, rng),
                    "dataset_name": "refcoco",  # RefExpMetric reports per RefCOCO family name
                    "shape": obj["shape"],
                }
            )
            annotations.append(_box_annotation(ref_id, ref_id, obj))
    return {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": "object"}],
    }


def _box_annotation(ann_id: int, image_id: int, obj: dict, **extra) -> dict:
    x0, y0, x1, y1 = obj["box"]
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": 1,
        "bbox": [x0, y0, x1 - x0, y1 - y0],
        "area": (x1 - x0) * (y1 - y0),
        "iscrowd": 0,
        **extra,
    }
