"""The shapes-world segmentation split as an mmseg dataset."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from clipx.shapes_world.segmentation import SPLIT_FILE, read_split_record

# One colour per class for mmseg's visualiser (background grey); more classes get seeded colours.
_PALETTE = [
    [120, 120, 120],
    [230, 25, 75],
    [60, 180, 75],
    [0, 130, 200],
    [245, 130, 48],
    [145, 30, 180],
    [70, 240, 240],
]


def class_palette(num_classes: int) -> list[list[int]]:
    """``num_classes`` RGB colours: the fixed ones first, then seeded random ones."""
    extra = np.random.default_rng(0).integers(40, 255, (max(num_classes - len(_PALETTE), 0), 3))
    return [*_PALETTE, *extra.tolist()][:num_classes]


@DATASETS.register_module()
class ShapesWorldSegDataset(BaseSegDataset):
    """``img_dir/<split>/*.png`` with ``ann_dir/<split>/*.png`` label maps, classes from the folder.

    The shapes-world writer (:func:`clipx.shapes_world.segmentation.write_segmentation`)
    records in ``data_root/split.json`` the class of every label value and the
    base/novel split; this dataset reads it, so its class list follows the
    data, whatever shapes it was generated with. ``metainfo`` carries
    ``classes``, ``base_classes`` and ``novel_classes``.

    To train on the base classes only, pass ``metainfo=dict(classes=base_names)``:
    the label values are mapped to that list and every other class to the
    ignore index.

    Args:
        data_root: the folder with ``split.json``, ``img_dir/`` and ``ann_dir/``.
        label_classes: the class of every label value (value i is
            ``label_classes[i]``), for a folder in this layout without
            ``split.json``; default: read from ``split.json``.
        metainfo: mmseg metainfo; ``classes`` picks the classes to learn or
            evaluate (default: every label class).
        img_suffix: image file suffix.
        seg_map_suffix: label map file suffix.
        **kwargs: :class:`mmseg.datasets.BaseSegDataset` arguments
            (``data_prefix``, ``pipeline``, ...).
    """

    METAINFO: dict = {}

    def __init__(
        self,
        *,
        data_root: str | None = None,
        label_classes: Sequence[str] | None = None,
        metainfo: dict | None = None,
        img_suffix: str = ".png",
        seg_map_suffix: str = ".png",
        **kwargs,
    ) -> None:
        record = read_split_record(data_root) if data_root is not None else None
        if label_classes is None:
            if record is None:
                raise ValueError(
                    f"ShapesWorldSegDataset: no {SPLIT_FILE} in data_root={data_root!r}, so the label "
                    "values have no names. Generate the folder with tools/generate_shapes_world.py, "
                    "or give label_classes=[...] (value i is class i)."
                )
            label_classes = record["classes"]
        self.label_classes = tuple(label_classes)
        metainfo = dict(metainfo or {})
        metainfo.setdefault("classes", self.label_classes)
        metainfo.setdefault("palette", class_palette(len(self.label_classes)))
        if record is not None:
            metainfo.setdefault("base_classes", tuple(record["base"]))
            metainfo.setdefault("novel_classes", tuple(record["novel"]))
        super().__init__(
            data_root=data_root,
            metainfo=metainfo,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=False,
            **kwargs,
        )

    def get_label_map(self, new_classes: Sequence[str] | None = None) -> dict[int, int] | None:
        """Label value -> index in ``new_classes`` (others: the ignore index); None if unchanged.

        mmseg's version maps from the class-level ``METAINFO``; here the label
        classes come from the folder.
        """
        if new_classes is None or list(new_classes) == list(self.label_classes):
            return None
        unknown = [c for c in new_classes if c not in self.label_classes]
        if unknown:
            raise ValueError(
                f"metainfo classes {unknown} are not label classes of this folder: "
                f"{list(self.label_classes)}."
            )
        new = list(new_classes)
        return {
            value: new.index(c) if c in new else self.ignore_index
            for value, c in enumerate(self.label_classes)
        }
