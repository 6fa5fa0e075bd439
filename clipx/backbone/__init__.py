"""The shared frozen CLIP backbone and its text side."""

from pathlib import Path

import open_clip

# clipx's tiny architectures (tests and the offline default) join open_clip's list.
_CONFIGS = Path(__file__).parent / "model_configs"
if not any(name.startswith("clipx-") for name in open_clip.list_models()):
    open_clip.add_model_config(_CONFIGS)

from clipx.registry import MODELS  # noqa: E402

from . import conv_stem_vit  # noqa: E402,F401  (registers clipx's timm towers)
from .contract import (  # noqa: E402
    CLIPBackbone,
    DenseUnavailableError,
    FeatureSpec,
    TextTokens,
    TextTokensUnavailableError,
)
from .dense import DenseFeatures  # noqa: E402
from .frozen_clip import FrozenCLIP, Unfreeze, build_open_clip  # noqa: E402
from .prompt_bank import PromptBank  # noqa: E402
from .regions import RegionEmbedder, encode_crops, mask_crops  # noqa: E402
from .scores import class_logits, ensemble_weights, geometric_ensemble  # noqa: E402
from .templates import DEFAULT_TEMPLATES, IMAGENET_TEMPLATES, TEMPLATE_SETS, resolve_templates  # noqa: E402
from .token_spans import ChunkTokenizer, TokenSpans, simple_tokenizer_spans  # noqa: E402
from .vocabulary import Vocabulary  # noqa: E402

MODELS.register_module(module=FrozenCLIP)


def build_clip(clip: FrozenCLIP | dict) -> FrozenCLIP:
    """A FrozenCLIP from an instance or its config dict (built in the clipx scope)."""
    if isinstance(clip, FrozenCLIP):
        return clip
    if isinstance(clip, dict):
        return MODELS.build(clip)
    raise TypeError(
        f"clip must be a FrozenCLIP or its config dict (dict(type='clipx.FrozenCLIP', model_name=...)), "
        f"got {type(clip).__name__}."
    )

__all__ = [
    "DEFAULT_TEMPLATES",
    "IMAGENET_TEMPLATES",
    "TEMPLATE_SETS",
    "CLIPBackbone",
    "ChunkTokenizer",
    "DenseFeatures",
    "DenseUnavailableError",
    "FeatureSpec",
    "FrozenCLIP",
    "PromptBank",
    "RegionEmbedder",
    "TextTokens",
    "TokenSpans",
    "TextTokensUnavailableError",
    "Unfreeze",
    "Vocabulary",
    "build_clip",
    "build_open_clip",
    "class_logits",
    "encode_crops",
    "ensemble_weights",
    "geometric_ensemble",
    "mask_crops",
    "resolve_templates",
    "simple_tokenizer_spans",
]
