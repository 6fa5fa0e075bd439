"""LSeg-style language-driven segmentation on mmsegmentation.

Importing this package registers, in mmseg's registries: :class:`LSegHead`,
:class:`MaskCLIPHead` (the training-free baseline),
:class:`LSegSegmentor` (models), :class:`ShapesWorldSegDataset` (dataset) and
:class:`OpenVocabIoUMetric` (metric). Configs pull it in with
``custom_imports = dict(imports=['clipx.seg'], allow_failed_imports=False)``
or by naming the classes.
"""

from .dataset import ShapesWorldSegDataset
from .head import FusionBlock, LSegHead, MaskCLIPHead, ResidualConvUnit, SpatialRegularizer
from .inference import (
    draw_overlay,
    is_open_vocabulary_segmentor,
    load_segmentor,
    read_rgb,
    save_mask,
    segment,
)
from .metric import OpenVocabIoUMetric, chance_iou, class_iou
from .refine import MaskRefiner
from .regions import RegionRescorer
from .segmentor import LSegSegmentor, SwappableVocabulary

__all__ = [
    "FusionBlock",
    "LSegHead",
    "LSegSegmentor",
    "MaskCLIPHead",
    "MaskRefiner",
    "OpenVocabIoUMetric",
    "RegionRescorer",
    "ResidualConvUnit",
    "ShapesWorldSegDataset",
    "SpatialRegularizer",
    "SwappableVocabulary",
    "chance_iou",
    "class_iou",
    "draw_overlay",
    "is_open_vocabulary_segmentor",
    "load_segmentor",
    "read_rgb",
    "save_mask",
    "segment",
]
