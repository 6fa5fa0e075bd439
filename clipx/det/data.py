"""Open-vocabulary detection data: COCO/LVIS json with a base/novel split, stored CLIP regions."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmdet.datasets import CocoDataset
from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import DATASETS, TRANSFORMS
from mmengine.structures import InstanceData

from clipx.backbone.feature_cache import FeatureCache

SPLITS = ("all", "base", "novel")


def split_categories(
    categories: Sequence[dict],
    *,
    novel_names: Sequence[str] | None = None,
    novel_frequencies: Sequence[str] | None = None,
) -> tuple[list[str], list[str]]:
    """(base names, novel names) of a COCO/LVIS ``categories`` list, in its order.

    Novel categories are named (``novel_names``), or chosen by LVIS's
    ``frequency`` field (``novel_frequencies=('r',)``: the rare ones), or
    marked ``"split": "novel"`` in the json (clipx's shapes world).
    """
    if novel_names is not None and novel_frequencies is not None:
        raise ValueError("Give novel_names or novel_frequencies, not both.")
    names = [c["name"] for c in categories]
    if novel_names is not None:
        unknown = sorted(set(novel_names) - set(names))
        if unknown:
            raise ValueError(
                f"novel_names {unknown} are not categories of the json; known: {names[:20]}..."
            )
        novel = set(novel_names)
    elif novel_frequencies is not None:
        missing = [c["name"] for c in categories if "frequency" not in c]
        if missing:
            raise ValueError(
                f"novel_frequencies needs LVIS's 'frequency' field; {missing[:5]} have none."
            )
        novel = {c["name"] for c in categories if c["frequency"] in set(novel_frequencies)}
    else:
        novel = {c["name"] for c in categories if c.get("split") == "novel"}
    return [n for n in names if n not in novel], [n for n in names if n in novel]


def _file_name(info: dict) -> str:
    if "file_name" in info:
        return info["file_name"]
    if "coco_url" in info:  # LVIS v1: the last two parts of the COCO url, e.g. train2017/x.jpg
        return "/".join(info["coco_url"].split("/")[-2:])
    raise KeyError(f"Image {info.get('id')} has neither 'file_name' nor 'coco_url'.")


@DATASETS.register_module()
class OpenVocabCocoDataset(CocoDataset):
    """COCO- or LVIS-style detection json with a base/novel category split.

    The class list comes from the json (in its order), so configs do not
    repeat category names: ``split='base'`` keeps base categories (training:
    novel boxes are dropped, the images stay), ``'all'`` every category
    (evaluation), ``'novel'`` the novel ones. ``metainfo`` also carries
    ``base_classes``, ``novel_classes`` and, for LVIS, ``frequencies``.

    Args:
        split: ``'base'``, ``'novel'`` or ``'all'``.
        novel_names: the novel category names; or
        novel_frequencies: LVIS frequencies that are novel (``('r',)``); with
            neither, the json's ``"split": "novel"`` marks.
        **kwargs: :class:`mmdet.datasets.CocoDataset` arguments (``ann_file``,
            ``data_root``, ``data_prefix``, ``pipeline``, ``filter_cfg``, ...).
    """

    METAINFO: dict = {"classes": ()}

    def __init__(
        self,
        *,
        split: str = "all",
        novel_names: Sequence[str] | None = None,
        novel_frequencies: Sequence[str] | None = None,
        **kwargs,
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"split='{split}' is not one of {SPLITS}.")
        self.split = split
        self.novel_names = None if novel_names is None else list(novel_names)
        self.novel_frequencies = None if novel_frequencies is None else list(novel_frequencies)
        super().__init__(**kwargs)

    def load_data_list(self) -> list[dict]:
        self.coco = self.COCOAPI(self.ann_file)
        categories = self.coco.dataset["categories"]
        base, novel = split_categories(
            categories, novel_names=self.novel_names, novel_frequencies=self.novel_frequencies
        )
        classes = {"all": base + novel, "base": base, "novel": novel}[self.split]
        classes = [c["name"] for c in categories if c["name"] in set(classes)]  # json order
        self._metainfo.update(
            classes=tuple(classes),
            base_classes=tuple(base),
            novel_classes=tuple(novel),
            palette=_palette(len(classes)),
        )
        if any("frequency" in c for c in categories):
            self._metainfo["frequencies"] = {c["name"]: c.get("frequency") for c in categories}
        self.cat_ids = self.coco.get_cat_ids(cat_names=classes)
        self.cat2label = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}
        self.cat_img_map = {k: list(v) for k, v in self.coco.cat_img_map.items()}
        data_list = []
        for img_id in self.coco.get_img_ids():
            info = dict(self.coco.load_imgs([img_id])[0], img_id=img_id)
            info["file_name"] = _file_name(info)
            anns = self.coco.load_anns(self.coco.get_ann_ids(img_ids=[img_id]))
            data_list.append(self.parse_data_info({"raw_img_info": info, "raw_ann_info": anns}))
        del self.coco
        return data_list


def _palette(n: int) -> list[tuple[int, int, int]]:
    rng = np.random.default_rng(0)
    return [tuple(int(v) for v in rng.integers(40, 255, 3)) for _ in range(n)]


# ----------------------------------------------------------------------------
# Stored CLIP region embeddings (written by tools/vild_precompute.py)
# ----------------------------------------------------------------------------

INDEX_NAME = "index.json"
PRECOMPUTE_HINT = "python tools/vild_precompute.py CONFIG --checkpoint DETECTOR.pth"


def region_cache(folder: str | os.PathLike) -> FeatureCache:
    """The cache protocol of a region-embedding folder (``index.json`` + ``regions/*.npz``)."""
    return FeatureCache(
        folder,
        what="region embeddings",
        tool=PRECOMPUTE_HINT,
        item_pattern="regions/*.npz",
        meta_name=INDEX_NAME,
        folder_option="--out / region_dir",
    )


def region_file_name(img_id: int | str) -> str:
    """The file of image ``img_id``'s regions, relative to the region folder."""
    return f"regions/{img_id}.npz"


def load_regions(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """``boxes`` (M, 4) xyxy in original image pixels, ``embeds`` (M, D), ``scores`` (M,)."""
    with np.load(path) as f:
        return {k: f[k] for k in ("boxes", "embeds", "scores")}


@TRANSFORMS.register_module()
class LoadRegionEmbeddings(BaseTransform):
    """Add an image's stored CLIP region embeddings, in the pipeline's current geometry.

    Place it after the geometric transforms (``Resize``, ``RandomFlip``): the
    stored boxes are in original image pixels and are scaled and flipped as
    the image was. Adds ``distill_boxes`` (M, 4) float32 and ``distill_embeds``
    (M, D) float32; an image without stored regions gets M = 0.

    Args:
        region_dir: output folder of ``tools/vild_precompute.py`` (with ``index.json``).
        num_regions: keep at most this many (the highest-scoring proposals);
            None keeps all.
    """

    def __init__(self, *, region_dir: str | os.PathLike, num_regions: int | None = None) -> None:
        self.region_dir = Path(region_dir)
        self.num_regions = num_regions
        self._files: dict[str, str] | None = None
        self._dim: int | None = None

    def _index(self) -> dict[str, str]:
        if self._files is None:
            meta = region_cache(self.region_dir).read_meta()
            self._files = meta.get("images", {})
            self._dim = int(meta["embed_dim"])
        return self._files

    def transform(self, results: dict) -> dict:
        name = self._index().get(str(results["img_id"]))
        if name is None:
            boxes = np.zeros((0, 4), np.float32)
            embeds = np.zeros((0, self._dim), np.float32)
        else:
            regions = load_regions(self.region_dir / name)
            keep = slice(None) if self.num_regions is None else slice(0, self.num_regions)
            boxes = regions["boxes"][keep].astype(np.float32)
            embeds = regions["embeds"][keep].astype(np.float32)
        results["distill_boxes"] = _follow_geometry(boxes, results)
        results["distill_embeds"] = embeds
        return results


def _follow_geometry(boxes: np.ndarray, results: dict) -> np.ndarray:
    """Scale and flip original-pixel boxes as ``Resize`` and ``RandomFlip`` did the image."""
    boxes = boxes.copy()
    if "scale_factor" in results:
        sw, sh = results["scale_factor"]
        boxes *= np.array([sw, sh, sw, sh], np.float32)
    if results.get("flip", False):
        h, w = results["img_shape"][:2]
        direction = results["flip_direction"]
        if direction in ("horizontal", "diagonal"):
            boxes[:, [0, 2]] = w - boxes[:, [2, 0]]
        if direction in ("vertical", "diagonal"):
            boxes[:, [1, 3]] = h - boxes[:, [3, 1]]
    return boxes


@TRANSFORMS.register_module()
class PackViLDInputs(PackDetInputs):
    """:class:`PackDetInputs` that also packs ``distill_regions`` (``bboxes``, ``embeds``)."""

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        if "distill_boxes" in results:
            packed["data_samples"].distill_regions = InstanceData(
                bboxes=torch.from_numpy(results["distill_boxes"]),
                embeds=torch.from_numpy(results["distill_embeds"]),
            )
        return packed
