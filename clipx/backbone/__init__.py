"""The shared frozen CLIP backbone and its text side."""

from pathlib import Path

import open_clip

# clipx's tiny architectures (tests and the offline default) join open_clip's list.
_CONFIGS = Path(__file__).parent / "model_configs"
if not any(name.startswith("clipx-") for name in open_clip.list_models()):
    open_clip.add_model_config(_CONFIGS)

from clipx.registry import MODELS  # noqa: E402

from . import conv_stem_vit  # noqa: E402,F401  (registers clipx's timm towers)
from .dense import DenseFeatures  # noqa: E402
from .frozen_clip import FrozenCLIP, Unfreeze, build_open_clip  # noqa: E402
from .prompt_bank import PromptBank  # noqa: E402
from .templates import DEFAULT_TEMPLATES, IMAGENET_TEMPLATES, TEMPLATE_SETS, resolve_templates  # noqa: E402

MODELS.register_module(module=FrozenCLIP)

__all__ = [
    "DEFAULT_TEMPLATES",
    "IMAGENET_TEMPLATES",
    "TEMPLATE_SETS",
    "DenseFeatures",
    "FrozenCLIP",
    "PromptBank",
    "Unfreeze",
    "build_open_clip",
    "resolve_templates",
]
