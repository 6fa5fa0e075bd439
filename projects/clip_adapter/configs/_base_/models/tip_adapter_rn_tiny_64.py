# Tip-Adapter (Zhang et al. 2022), training-free, on the frozen tiny CLIP: the frozen embeddings
# of the K-shot set (16 shots here; a config sets custom_hooks[0]["dataset"]["shots"]) are the
# cache keys, their one-hot labels the values; a test image adds
# alpha * exp(-beta * (1 - cos)) @ values to CLIP's zero-shot logits. alpha=32, beta=10 were
# chosen on the val split (the tiny CLIP's logit scale and embeddings differ from OpenAI's:
# README of the project). TipAdapterCacheHook fills the cache before validation and testing.
from mmengine.config import read_base

from projects.clip_adapter.clip_adapter import (
    CLIPAdapterClassifier,
    TipAdapterCache,
    TipAdapterCacheHook,
)

with read_base():
    from ......configs._base_.models.frozen_clip_rn_tiny_64 import clip
    from ..datasets.shapes_world_fewshot import fewshot_set, templates

model = dict(
    type=CLIPAdapterClassifier,
    clip=clip,
    cache=dict(type=TipAdapterCache, alpha=32.0, beta=10.0),
    templates=templates,
)
custom_hooks = [dict(type=TipAdapterCacheHook, dataset=fewshot_set)]
