"""ActionCLIP (Wang et al., 2021): video action recognition as video-text matching.

Registers into clipx's registries (scope ``clipx``) when imported; a config
loads it with
``custom_imports = dict(imports=["projects.actionclip.actionclip"], allow_failed_imports=False)``.

* :class:`ActionCLIP` (``MODELS``): frozen CLIP frames, a temporal aggregator
  from :mod:`clipx.video`, prompted class names, ActionCLIP's objective.
* :class:`VideoClassificationDataset` (``DATASETS``): labelled clips.
* :class:`VideoClassAccuracy` (``METRICS``): top-1 next to its chance levels.
"""

from .data import VideoClassificationDataset, read_video_labels
from .loss import class_cross_entropy, label_ground_truth, video_text_kl_loss
from .metric import VideoClassAccuracy
from .model import ActionCLIP
from .templates import ACTIONCLIP_TEMPLATES, SHAPE_MOTION_TEMPLATES

__all__ = [
    "ACTIONCLIP_TEMPLATES",
    "SHAPE_MOTION_TEMPLATES",
    "ActionCLIP",
    "VideoClassAccuracy",
    "VideoClassificationDataset",
    "class_cross_entropy",
    "label_ground_truth",
    "read_video_labels",
    "video_text_kl_loss",
]
