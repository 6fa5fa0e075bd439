"""Text-video retrieval on the shared backbone (CLIP4Clip).

* :class:`CLIP4Clip`: frame embeddings from ``FrozenCLIP``, a temporal
  aggregator, CLIP's contrastive loss; ``predict`` feeds
  :class:`clipx.evaluation.video_retrieval.VideoTextRetrieval`.
* Aggregators (registered in clipx's ``MODELS``): :class:`MeanPooling`
  ("meanP", the default) and :class:`TemporalTransformer` ("seqTransf").
* :func:`draw_retrieval` and :class:`VideoRetrievalVisHook`: pictures of the
  top-k videos of a caption.

* :func:`precompute_frame_embeds`: frame embeddings of a frozen backbone,
  cached once for :class:`clipx.data.video_features.VideoFeaturePairs`.

Data: :mod:`clipx.data.video` (``VideoTextDataset``, ``VideoTextPairs``),
:mod:`clipx.data.video_features` (cached frames) and
:mod:`clipx.data.shapes_world_video` (generated clips).
"""

from .aggregators import (
    MeanPooling,
    TemporalTransformer,
    build_aggregator,
    masked_mean,
    pool_frames,
)
from .model import CLIP4Clip
from .precompute import precompute_frame_embeds
from .visualize import VideoRetrievalVisHook, draw_retrieval, frame_strip

__all__ = [
    "CLIP4Clip",
    "MeanPooling",
    "TemporalTransformer",
    "VideoRetrievalVisHook",
    "build_aggregator",
    "draw_retrieval",
    "frame_strip",
    "masked_mean",
    "pool_frames",
    "precompute_frame_embeds",
]
