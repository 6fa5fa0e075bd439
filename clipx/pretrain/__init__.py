"""Contrastive pretraining of CLIP (both towers) from scratch or a checkpoint."""

from .hooks import ExportCLIPHook
from .loss import ContrastiveLoss, gather_features
from .model import CLIPPretrainer

__all__ = ["CLIPPretrainer", "ContrastiveLoss", "ExportCLIPHook", "gather_features"]
