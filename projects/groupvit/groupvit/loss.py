"""GroupViT's multi-label image-noun contrastive loss, with the batch gathered across ranks."""

from __future__ import annotations

import torch
import torch.distributed as dist

from clipx.pretrain.loss import gather_features


def _world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _gather_targets(targets: torch.Tensor, world_size: int) -> torch.Tensor:
    if world_size == 1:
        return targets
    parts = [torch.empty_like(targets) for _ in range(world_size)]
    dist.all_gather(parts, targets.contiguous())
    return torch.cat(parts, dim=0)


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over rows of the cross-entropy against target distributions (rows sum to 1)."""
    return -(targets * logits.log_softmax(dim=-1)).sum(dim=-1).mean()


def multi_label_contrastive_loss(
    image_embeds: torch.Tensor,
    noun_embeds: torch.Tensor,
    targets: torch.Tensor,
    logit_scale: torch.Tensor,
    *,
    gather: bool = True,
) -> torch.Tensor:
    """GroupViT's multi-label contrastive loss over the nouns the captions mention.

    Every image is matched against every noun prompt of the batch: its targets are uniform over
    the nouns its caption mentions; every noun's targets are uniform over the images whose
    captions mention it. GroupViT pairs each image with its own caption's K prompts and treats
    the same noun in another caption as a negative; here positives are by noun, since in a small
    vocabulary most of a batch shares its nouns. Images whose captions mention no noun, and
    nouns no caption mentions, are left out.

    Args:
        image_embeds: (B, D) L2-normalised image embeddings.
        noun_embeds: (V, D) L2-normalised prompt embeddings of the noun vocabulary.
        targets: (B, V) bool, caption b mentions noun v.
        logit_scale: the exp'd temperature 1/tau.
        gather: under a distributed launcher, use every rank's images (the global batch), with
            gradients through this rank's (``clipx.pretrain.loss.gather_features``).

    Returns:
        The mean of the image-to-noun and noun-to-image losses (0 when no caption mentions a
        noun, with a gradient graph so every rank steps alike).
    """
    if targets.shape != (image_embeds.shape[0], noun_embeds.shape[0]):
        raise ValueError(
            f"targets {tuple(targets.shape)} must be (images, nouns) = "
            f"({image_embeds.shape[0]}, {noun_embeds.shape[0]})."
        )
    with torch.autocast(device_type=image_embeds.device.type, enabled=False):
        image_embeds, noun_embeds = image_embeds.float(), noun_embeds.float()
        rank, world_size = _world()
        if gather and world_size > 1:
            image_embeds = gather_features(image_embeds, rank=rank, world_size=world_size)
            targets = _gather_targets(targets, world_size)
        logits = logit_scale.float() * image_embeds @ noun_embeds.T
        targets = targets.float()
        rows, cols = targets.sum(1) > 0, targets.sum(0) > 0
        if not rows.any():
            return logits.sum() * 0.0
        per_image = targets[rows] / targets[rows].sum(1, keepdim=True)
        per_noun = targets[:, cols].T / targets[:, cols].T.sum(1, keepdim=True)
        return (
            soft_cross_entropy(logits[rows], per_image)
            + soft_cross_entropy(logits[:, cols].T, per_noun)
        ) / 2


def multi_hot_accuracy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Share of images whose best-scoring noun is one their caption mentions (a training readout)."""
    rows = targets.any(1)
    if not rows.any():
        return logits.new_zeros(())
    best = logits[rows].argmax(1)
    return targets[rows].gather(1, best[:, None]).float().mean()


__all__ = ["multi_hot_accuracy", "multi_label_contrastive_loss", "soft_cross_entropy"]
