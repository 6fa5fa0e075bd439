"""Video on the shared backbone: data, text-video retrieval (CLIP4Clip), cached frame embeddings.

* Data (:mod:`clipx.video.data`): :class:`VideoTextDataset` (every caption,
  evaluation) and :class:`VideoTextPairs` (one caption per item, training)
  over MSR-VTT-style annotations, decord decoding, frame sampling.
* :class:`CLIP4Clip`: frame embeddings from ``FrozenCLIP``, a temporal
  aggregator, CLIP's contrastive loss; ``predict`` feeds
  :class:`clipx.evaluation.video_retrieval.VideoTextRetrieval`.
* Aggregators (registered in clipx's ``MODELS``): :class:`MeanPooling`
  ("meanP", the default) and :class:`TemporalTransformer` ("seqTransf").
* :func:`draw_retrieval` and :class:`VideoRetrievalVisHook`: pictures of the
  top-k videos of a caption.
* Cached frames (:mod:`clipx.video.features`): :func:`precompute_frame_embeds`
  encodes a frozen backbone's frame embeddings once and
  :class:`VideoFeaturePairs` trains on them.

Generated clips: :mod:`clipx.shapes_world.video`.
"""

from .aggregators import (
    MeanPooling,
    TemporalTransformer,
    build_aggregator,
    masked_mean,
    pool_frames,
)
from .data import VideoCaptionsBase, VideoTextDataset, VideoTextPairs
from .features import VideoFeaturePairs
from .model import CLIP4Clip
from .precompute import precompute_frame_embeds
from .visualize import VideoRetrievalVisHook, draw_retrieval, frame_strip

__all__ = [
    "CLIP4Clip",
    "MeanPooling",
    "TemporalTransformer",
    "VideoCaptionsBase",
    "VideoFeaturePairs",
    "VideoRetrievalVisHook",
    "VideoTextDataset",
    "VideoTextPairs",
    "build_aggregator",
    "draw_retrieval",
    "frame_strip",
    "masked_mean",
    "pool_frames",
    "precompute_frame_embeds",
]
