"""CLIP-Adapter and Tip-Adapter: few-shot classification on clipx's frozen CLIP.

Registers into clipx's registries (scope ``clipx``) when imported; a config
loads it with
``custom_imports = dict(imports=["projects.clip_adapter.clip_adapter"], allow_failed_imports=False)``.

* :class:`CLIPAdapterClassifier` (``MODELS``): cosine against prompted class
  names given at run time, with a trained :class:`ResidualAdapter` (CLIP-Adapter,
  Gao et al. 2021) and/or a training-free :class:`TipAdapterCache` (Tip-Adapter,
  Zhang et al. 2022).
* :class:`TipAdapterCacheHook` (``HOOKS``): fills the cache from the few-shot set.
* :class:`FewShotImageFolder` (``DATASETS``): K images per class, drawn by seed.
* ``clip_flip_train_transform`` (``TRANSFORMS``): eval preprocessing plus a flip.
* :mod:`.shapes_fewshot`: the few-shot shapes-world class folders (not imported
  here, so ``python -m projects.clip_adapter.clip_adapter.shapes_sizes`` runs it cleanly).
"""

from .adapter import ResidualAdapter
from .cache import TipAdapterCache, tip_adapter_logits
from .data import FewShotImageFolder, clip_flip_train_transform, few_shot_indices
from .hooks import TipAdapterCacheHook, embed_dataset
from .model import CLIPAdapterClassifier
from .templates import SHAPES_TEMPLATES

__all__ = [
    "SHAPES_TEMPLATES",
    "CLIPAdapterClassifier",
    "FewShotImageFolder",
    "ResidualAdapter",
    "TipAdapterCache",
    "TipAdapterCacheHook",
    "clip_flip_train_transform",
    "embed_dataset",
    "few_shot_indices",
    "tip_adapter_logits",
]
