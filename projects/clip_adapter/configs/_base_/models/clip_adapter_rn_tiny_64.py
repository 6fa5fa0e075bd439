# CLIP-Adapter (Gao et al. 2021) on the frozen tiny CLIP: a bottleneck MLP (D -> D/4 -> D) on the
# frozen image embedding, blended back with residual ratio 0.6 (chosen on the val split; the
# paper's 0.2 is --cfg-options model.adapter.ratio=0.2), cosine against the prompt-ensembled
# class names. Only the adapter trains.
from mmengine.config import read_base

from projects.clip_adapter.clip_adapter import CLIPAdapterClassifier, ResidualAdapter

with read_base():
    from ......configs._base_.models.frozen_clip_rn_tiny_64 import clip
    from ..datasets.shapes_world_fewshot import templates

model = dict(
    type=CLIPAdapterClassifier,
    clip=clip,
    adapter=dict(type=ResidualAdapter, reduction=4, ratio=0.6),
    templates=templates,
)
