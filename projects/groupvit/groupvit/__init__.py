"""GroupViT (Xu et al., CVPR 2022): semantic segmentation that emerges from captions alone.

Registers into mmseg's ``MODELS`` when imported; a config loads it with
``custom_imports = dict(imports=["projects.groupvit.groupvit"], allow_failed_imports=False)``.

* :class:`GroupViT` (mmseg ``MODELS``): the grouping image tower trained into the backbone's
  text space with the image-caption and multi-label noun losses; zero-shot segmentation of any
  labels, background by threshold.
* :class:`CaptionSegDataPreProcessor` (mmseg ``MODELS``): caption batches for training,
  segmentation batches for evaluation.
* :class:`GroupViTImageTower`, :class:`GroupingBlock`, :class:`AssignAttention`: the tower;
  :class:`GumbelAnnealHook` (mmseg ``HOOKS``) lowers its Gumbel noise over training.
* :class:`NounVocabulary`, :func:`multi_label_contrastive_loss`, :func:`group_noun_contrast_loss`,
  :func:`group_label_loss`.
* :class:`COCOObjectDataset` (mmseg ``DATASETS``) and :func:`convert_coco_object`: GroupViT's
  COCO benchmark.
* :func:`sweep_background`: mmseg's IoU over background thresholds and the oracle background;
  :func:`grouping_quality`: the groups alone, each named by its ground-truth majority.
* :func:`draw_groups`: the groups of an image in colours.
"""

from .coco_object import COCO_THINGS, COCOObjectDataset, convert_coco_object
from .hooks import GumbelAnnealHook
from .loss import (
    assignment_information_loss,
    best_match,
    group_label_loss,
    group_noun_contrast_loss,
    multi_hot_accuracy,
    multi_label_contrastive_loss,
    soft_cross_entropy,
)
from .model import CaptionSegDataPreProcessor, GroupViT
from .nouns import NounVocabulary, read_nouns
from .sweep import BackgroundSetting, grouping_quality, settings_of, sweep_background
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
    "AssignAttention",
    "BackgroundSetting",
    "COCOObjectDataset",
    "COCO_THINGS",
    "CaptionSegDataPreProcessor",
    "GroupViT",
    "GroupViTImageTower",
    "GroupingBlock",
    "GroupingOutput",
    "GroupingStage",
    "GumbelAnnealHook",
    "NounVocabulary",
    "assignment_information_loss",
    "best_match",
    "convert_coco_object",
    "draw_groups",
    "group_label_loss",
    "group_maps",
    "group_noun_contrast_loss",
    "grouping_quality",
    "hard_softmax",
    "multi_hot_accuracy",
    "multi_label_contrastive_loss",
    "read_nouns",
    "settings_of",
    "soft_cross_entropy",
    "sweep_background",
]
