# Tip-Adapter (Zhang et al. 2022), training-free: the frozen embeddings of the K-shot set are the
# cache keys, their one-hot labels the values; a test image adds alpha * exp(-beta * (1 - cos))
# @ values to CLIP's zero-shot logits. alpha=32, beta=10 were chosen on the val split (the tiny
# CLIP's logit scale is 21, not CLIP's 100, and its image embeddings sit close together; the
# paper's ImageNet alpha=1, beta=5.5 barely move it). A config sets the shot count:
#   custom_hooks[0]["dataset"].update(shots=K)
from mmengine.config import read_base

from clipx.engine import EvalModelWrapper
from projects.clip_adapter.clip_adapter import (
    CLIPAdapterClassifier,
    TipAdapterCache,
    TipAdapterCacheHook,
)

with read_base():
    from .fewshot_rn_tiny_64_shapes_world import *  # noqa: F401,F403

model = dict(
    type=CLIPAdapterClassifier,
    clip=clip,  # noqa: F405
    cache=dict(type=TipAdapterCache, alpha=32.0, beta=10.0),
    templates=templates,  # noqa: F405
)
custom_hooks = [dict(type=TipAdapterCacheHook, dataset=dict(fewshot_set, shots=None))]  # noqa: F405
model_wrapper_cfg = dict(type=EvalModelWrapper)
