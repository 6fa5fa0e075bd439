"""The shapes-world segmentation split as an mmseg dataset."""

from __future__ import annotations

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from clipx.data.shapes_world import DEFAULT_SHAPES
from clipx.data.shapes_world_seg import BACKGROUND

# One colour per class for mmseg's visualiser (background grey).
_PALETTE = [
    [120, 120, 120],
    [230, 25, 75],
    [60, 180, 75],
    [0, 130, 200],
    [245, 130, 48],
    [145, 30, 180],
    [70, 240, 240],
]


@DATASETS.register_module()
class ShapesWorldSegDataset(BaseSegDataset):
    """``img_dir/<split>/*.png`` with ``ann_dir/<split>/*.png`` label maps
    (:func:`clipx.data.shapes_world_seg.write_segmentation`).

    The classes are ``background`` plus the default shapes. To train on the
    base classes only, pass ``metainfo=dict(classes=base_names)``: mmseg maps
    the label values to that list and every other class to 255 (ignored).
    """

    METAINFO = dict(classes=(BACKGROUND, *DEFAULT_SHAPES), palette=_PALETTE)

    def __init__(self, *, img_suffix: str = ".png", seg_map_suffix: str = ".png", **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, reduce_zero_label=False, **kwargs
        )
