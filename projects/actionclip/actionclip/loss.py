"""ActionCLIP's objectives: video-text KL over the batch, or cross-entropy over the classes."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def label_ground_truth(labels: torch.Tensor) -> torch.Tensor:
    """(B, B) target distribution: row i spreads its mass over the clips that share i's label.

    Several clips of a batch can share a class, so the one-hot ``arange``
    target of CLIP would call their shared text a negative; ActionCLIP
    counts every same-label pair as positive.
    """
    same = (labels[:, None] == labels[None, :]).float()
    return same / same.sum(1, keepdim=True)


def video_text_kl_loss(
    video_embeds: torch.Tensor,
    text_embeds: torch.Tensor,
    labels: torch.Tensor,
    logit_scale: torch.Tensor | float,
) -> torch.Tensor:
    """ActionCLIP's symmetric KL loss between the similarity softmax and the label matrix.

    Args:
        video_embeds: (B, D) L2-normalised.
        text_embeds: (B, D) L2-normalised, the prompt of each clip's own label.
        labels: (B,) long class indices.
        logit_scale: 1 / temperature.

    Returns:
        Scalar: the mean of ``KL(target || softmax(s * V T^T))`` over rows (video to
        text) and over columns (text to video), ``batchmean``-reduced.
    """
    if video_embeds.shape != text_embeds.shape or labels.shape != video_embeds.shape[:1]:
        raise ValueError(
            f"video_embeds {tuple(video_embeds.shape)} and text_embeds {tuple(text_embeds.shape)} must "
            f"both be (B, D) with labels (B,); got labels {tuple(labels.shape)}."
        )
    logits = logit_scale * video_embeds @ text_embeds.T
    target = label_ground_truth(labels)  # symmetric up to row normalisation
    v2t = F.kl_div(F.log_softmax(logits, dim=1), target, reduction="batchmean")
    t2v = F.kl_div(F.log_softmax(logits.T, dim=1), target, reduction="batchmean")
    return (v2t + t2v) / 2


def class_cross_entropy(
    video_embeds: torch.Tensor,
    class_embeds: torch.Tensor,
    labels: torch.Tensor,
    logit_scale: torch.Tensor | float,
) -> torch.Tensor:
    """Cross-entropy of ``logit_scale * cos(video, class text)`` over all C classes.

    Args:
        video_embeds: (B, D) L2-normalised.
        class_embeds: (C, D) L2-normalised class text embeddings.
        labels: (B,) long in ``[0, C)``.
        logit_scale: 1 / temperature.
    """
    bad = labels[(labels < 0) | (labels >= class_embeds.shape[0])]
    if bad.numel():
        raise ValueError(
            f"Label {bad[0].item()} is outside the {class_embeds.shape[0]} classes of the vocabulary."
        )
    return F.cross_entropy(logit_scale * video_embeds @ class_embeds.T, labels)
