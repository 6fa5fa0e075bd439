"""GroupViT (Xu et al., CVPR 2022): semantic segmentation that emerges from captions alone.

Registers into mmseg's ``MODELS`` when imported; a config loads it with
``custom_imports = dict(imports=["projects.groupvit.groupvit"], allow_failed_imports=False)``.

* :class:`GroupViT` (mmseg ``MODELS``): the grouping image tower trained into the backbone's
  text space with the image-caption and multi-label noun losses; zero-shot segmentation of any
  labels, background by threshold.
* :class:`CaptionSegDataPreProcessor` (mmseg ``MODELS``): caption batches for training,
  segmentation batches for evaluation.
* :class:`GroupViTImageTower`, :class:`GroupingBlock`, :class:`AssignAttention`: the tower.
* :class:`NounVocabulary`, :func:`multi_label_contrastive_loss`.
* :class:`COCOObjectDataset` (mmseg ``DATASETS``) and :func:`convert_coco_object`: GroupViT's
  COCO benchmark.
* :func:`sweep_background`: mmseg's IoU over background thresholds and the oracle background.
* :func:`draw_groups`: the groups of an image in colours.
"""

from .coco_object import COCO_THINGS, COCOObjectDataset, convert_coco_object
from .loss import multi_hot_accuracy, multi_label_contrastive_loss, soft_cross_entropy
from .model import CaptionSegDataPreProcessor, GroupViT
from .nouns import NounVocabulary, read_nouns
from .sweep import BackgroundSetting, settings_of, sweep_background
from .tower import (
    AssignAttention,
    GroupingBlock,
    GroupingOutput,
    GroupingStage,
    GroupViTImageTower,
    hard_softmax,
)
from .visualize import draw_groups, group_maps

__all__ = [
    "COCO_THINGS",
    "AssignAttention",
    "BackgroundSetting",
    "COCOObjectDataset",
    "CaptionSegDataPreProcessor",
    "GroupViT",
    "GroupViTImageTower",
    "GroupingBlock",
    "GroupingOutput",
    "GroupingStage",
    "NounVocabulary",
    "convert_coco_object",
    "draw_groups",
    "group_maps",
    "hard_softmax",
    "multi_hot_accuracy",
    "multi_label_contrastive_loss",
    "read_nouns",
    "settings_of",
    "soft_cross_entropy",
    "sweep_background",
]
