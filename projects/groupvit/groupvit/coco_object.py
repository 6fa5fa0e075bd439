"""COCO-Object: COCO's 80 thing classes plus background as semantic maps (GroupViT's benchmark).

GroupViT evaluates on COCO val2017 with every instance mask painted in its category (80 classes)
and the rest background. :func:`convert_coco_object` writes those maps once, with pycocotools,
next to the images; :class:`COCOObjectDataset` reads them in mmseg's layout::

    data/coco/images/val2017/*.jpg
    data/coco/annotations/instances_val2017.json
    data/coco/annotations/object_val2017/*.png     (written by the converter)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from PIL import Image

COCO_THINGS = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip


@DATASETS.register_module()
class COCOObjectDataset(BaseSegDataset):
    """COCO-Object semantic maps: label 0 background, 1-80 COCO's things in category order."""

    METAINFO = dict(classes=("background", *COCO_THINGS))

    def __init__(self, img_suffix: str = ".jpg", seg_map_suffix: str = ".png", **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)


def convert_coco_object(ann_file: str | os.PathLike, out_dir: str | os.PathLike) -> int:
    """Paint every instance of ``ann_file`` (COCO instances json) into a per-image label PNG.

    Instances are painted largest first, so a small object on a large one stays visible; crowd
    regions are ignored (255). Category ids are mapped to 1..80 in their sorted order.

    Returns:
        the number of maps written.
    """
    from pycocotools.coco import COCO

    coco = COCO(str(ann_file))
    categories = sorted(coco.getCatIds())
    if len(categories) > 254:
        raise ValueError(
            f"{ann_file} has {len(categories)} categories; a label PNG holds 254 and ignore."
        )
    label_of = {cat: i + 1 for i, cat in enumerate(categories)}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for image_id in coco.getImgIds():
        info = coco.loadImgs(image_id)[0]
        labels = np.zeros((info["height"], info["width"]), dtype=np.uint8)
        anns = coco.loadAnns(coco.getAnnIds(imgIds=image_id))
        for ann in sorted(anns, key=lambda a: -a.get("area", 0.0)):
            mask = coco.annToMask(ann).astype(bool)
            labels[mask] = 255 if ann.get("iscrowd", 0) else label_of[ann["category_id"]]
        Image.fromarray(labels).save(out / f"{Path(info['file_name']).stem}.png")
    return len(coco.getImgIds())
