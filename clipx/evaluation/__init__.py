"""Evaluation: zero-shot classification and image-text retrieval.

Pure functions (:func:`zero_shot_accuracy`, :func:`retrieval_metrics`) for
Python use, and their mmengine edges, registered in the clipx scope: the
metrics ``ZeroShotAccuracy`` and ``ImageTextRetrieval`` and the evaluation-only
models ``ZeroShotClassifierModel`` and ``ImageTextRetrievalModel``.
"""

from .retrieval import (
    ImageTextRetrieval,
    ImageTextRetrievalModel,
    best_rank_of,
    retrieval_metrics,
    retrieval_ranks,
)
from .zeroshot import (
    ZeroShotAccuracy,
    ZeroShotAccuracyResult,
    ZeroShotClassifier,
    ZeroShotClassifierModel,
    class_logits,
    rank_of,
    zero_shot_accuracy,
)

__all__ = [
    "ImageTextRetrieval",
    "ImageTextRetrievalModel",
    "ZeroShotAccuracy",
    "ZeroShotAccuracyResult",
    "ZeroShotClassifier",
    "ZeroShotClassifierModel",
    "best_rank_of",
    "class_logits",
    "rank_of",
    "retrieval_metrics",
    "retrieval_ranks",
    "zero_shot_accuracy",
]
