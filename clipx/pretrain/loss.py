"""CLIP's contrastive objective, with the batch gathered across ranks."""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn


def _world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def gather_features(
    features: torch.Tensor, *, rank: int, world_size: int, scale_local_grad: bool = True
) -> torch.Tensor:
    """All ranks' features, (world_size * B, D), with gradients through the local slice only.

    With the global loss every rank computes the same value and the local slice
    carries the gradient. ``scale_local_grad`` multiplies that gradient by
    ``world_size`` (the value is unchanged) so that after DDP averages parameter
    gradients over ranks they equal the gradient of one process on the
    concatenated batch.
    """
    if world_size == 1:
        return features
    gathered = [torch.empty_like(features) for _ in range(world_size)]
    dist.all_gather(gathered, features.detach().contiguous())
    if scale_local_grad:
        features = features + (world_size - 1) * (features - features.detach())
    gathered[rank] = features
    return torch.cat(gathered, dim=0)


class ContrastiveLoss(nn.Module):
    """Symmetric cross-entropy over the cosine-similarity matrix of a batch (CLIP).

    Args:
        gather: under a distributed launcher, gather features from all ranks so
            each rank's loss sees the global batch (CLIP). ``False`` keeps the
            loss per rank.
        local_loss: with ``gather``, compute only this rank's rows of the
            global matrix (local queries against all keys): memory O(B x global
            B) instead of O(global B^2). As in open_clip's
            ``ClipLoss(local_loss=True)``, the gathered keys (this rank's too)
            are constants, so the gradient only approximates the global loss's.
    """

    def __init__(self, *, gather: bool = True, local_loss: bool = False) -> None:
        super().__init__()
        self.gather = gather
        self.local_loss = local_loss

    def get_ground_truth(
        self, num_logits: int, device: torch.device, *, offset: int = 0
    ) -> torch.Tensor:
        return torch.arange(num_logits, device=device) + offset

    def get_logits(
        self, image_embeds: torch.Tensor, text_embeds: torch.Tensor, logit_scale: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Image->text and text->image logits and the label offset of this rank's rows."""
        rank, world_size = _world()
        if not self.gather or world_size == 1:
            logits = logit_scale * image_embeds @ text_embeds.T
            return logits, logits.T, 0
        if self.local_loss:
            keys = dict(rank=rank, world_size=world_size, scale_local_grad=False)
            all_images = gather_features(image_embeds.detach(), **keys)
            all_texts = gather_features(text_embeds.detach(), **keys)
            return (
                logit_scale * image_embeds @ all_texts.T,
                logit_scale * text_embeds @ all_images.T,
                rank * image_embeds.shape[0],
            )
        all_images = gather_features(image_embeds, rank=rank, world_size=world_size)
        all_texts = gather_features(text_embeds, rank=rank, world_size=world_size)
        logits = logit_scale * all_images @ all_texts.T
        return logits, logits.T, 0

    def forward(
        self, image_embeds: torch.Tensor, text_embeds: torch.Tensor, logit_scale: torch.Tensor
    ) -> torch.Tensor:
        """Loss for L2-normalised ``image_embeds`` and ``text_embeds`` (B, D) and exp'd ``logit_scale``."""
        if image_embeds.shape != text_embeds.shape:
            raise ValueError(
                f"image_embeds {tuple(image_embeds.shape)} and text_embeds {tuple(text_embeds.shape)} "
                "must pair one caption per image."
            )
        # In fp32 even under mixed precision: bf16 logits at a scale of 30+ are 0.1-0.25 apart.
        with torch.autocast(device_type=image_embeds.device.type, enabled=False):
            image_embeds, text_embeds = image_embeds.float(), text_embeds.float()
            logits_per_image, logits_per_text, offset = self.get_logits(
                image_embeds, text_embeds, logit_scale.float()
            )
            labels = self.get_ground_truth(
                logits_per_image.shape[0], image_embeds.device, offset=offset
            )
            return (
                F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_text, labels)
            ) / 2
