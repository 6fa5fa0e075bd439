"""GroupViT's multi-label image-noun contrastive loss, with the batch gathered across ranks."""

from __future__ import annotations

import math

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
    present: torch.Tensor | None = None,
    gather: bool = True,
) -> torch.Tensor:
    """GroupViT's multi-label contrastive loss over the nouns the captions mention.

    Every image is matched against every noun prompt of the batch: its targets are uniform over
    the nouns its caption mentions; every noun's targets are uniform over the images whose
    captions mention it. GroupViT pairs each image with its own caption's K prompts and treats
    the same noun in another caption as a negative; here positives are by noun, since in a small
    vocabulary most of a batch shares its nouns. Images whose captions mention no noun, and
    nouns no caption mentions, are left out.

    With group embeddings (B, G, D) instead of image embeddings, an image's score for a noun is
    its best group's (multiple-instance learning, as in FILIP's token-wise maximum): a noun the
    caption mentions must be matched by one segment, and a noun it does not mention by none.
    ``present`` restricts the maximum to the groups that hold pixels (an empty group is only
    its group token, and would let the loss be met by no segment of the image).

    Args:
        image_embeds: (B, D) L2-normalised image embeddings, or (B, G, D) L2-normalised group
            embeddings.
        noun_embeds: (V, D) L2-normalised prompt embeddings of the noun vocabulary.
        targets: (B, V) bool, caption b mentions noun v.
        logit_scale: the exp'd temperature 1/tau.
        present: (B, G) bool, with group embeddings: the groups that count (at least one per
            image); None: all.
        gather: under a distributed launcher, use every rank's images (the global batch), with
            gradients through this rank's (``clipx.pretrain.loss.gather_features``).

    Returns:
        The mean of the image-to-noun and noun-to-image losses (0 when no caption mentions a
        noun, with a gradient graph so every rank steps alike).
    """
    if image_embeds.dim() not in (2, 3):
        raise ValueError(
            f"image_embeds {tuple(image_embeds.shape)} must be (images, dim) or (images, groups, "
            "dim)."
        )
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
            if present is not None:
                present = _gather_targets(present, world_size)
        logits = logit_scale.float() * best_match(image_embeds, noun_embeds, present)
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


def best_match(
    embeds: torch.Tensor, noun_embeds: torch.Tensor, present: torch.Tensor | None = None
) -> torch.Tensor:
    """(B, V) cosine of every image (B, D), or of its best group (B, G, D), with every noun.

    ``present`` (B, G) bool limits the best group to those marked (each image needs one).
    """
    if embeds.dim() == 2:
        return embeds @ noun_embeds.T
    scores = torch.einsum("bgd,vd->bgv", embeds, noun_embeds)
    if present is not None:
        _check_present(present, scores.shape[:2])
        scores = scores.masked_fill(~present[..., None], float("-inf"))
    return scores.amax(dim=1)


def _check_present(present: torch.Tensor, shape: tuple[int, int]) -> None:
    if tuple(present.shape) != tuple(shape):
        raise ValueError(
            f"present {tuple(present.shape)} must be (images, groups) = {tuple(shape)}."
        )
    if not present.any(dim=1).all():
        raise ValueError("present marks no group for some image; every image needs at least one.")


def group_noun_contrast_loss(
    group_embeds: torch.Tensor,
    noun_embeds: torch.Tensor,
    targets: torch.Tensor,
    logit_scale: torch.Tensor,
    present: torch.Tensor | None = None,
) -> torch.Tensor:
    """Each mentioned noun against the segments of its own image: one segment takes it.

    For every image b and noun v its caption mentions, the softmax over b's groups of their
    similarity to v; the loss is minus the log of the largest of these probabilities, so the best
    group is pulled to the noun and the image's other segments (its background, its other
    shapes) pushed from it. This is not in GroupViT's paper: at small scale the image-level
    losses leave every segment of an image with the same embedding (``README``: the collapse).

    Args:
        group_embeds: (B, G, D) L2-normalised group embeddings.
        noun_embeds: (V, D) L2-normalised prompt embeddings of the noun vocabulary.
        targets: (B, V) bool, caption b mentions noun v.
        logit_scale: the exp'd temperature 1/tau.
        present: (B, G) bool, the groups that take part (those holding pixels); None: all.

    Returns:
        The mean over mentioned (image, noun) pairs (0 with a graph when there is none).
    """
    if targets.shape != (group_embeds.shape[0], noun_embeds.shape[0]):
        raise ValueError(
            f"targets {tuple(targets.shape)} must be (images, nouns) = "
            f"({group_embeds.shape[0]}, {noun_embeds.shape[0]})."
        )
    with torch.autocast(device_type=group_embeds.device.type, enabled=False):
        logits = logit_scale.float() * torch.einsum(
            "bgd,vd->bvg", group_embeds.float(), noun_embeds.float()
        )
        if present is not None:
            _check_present(present, group_embeds.shape[:2])
            logits = logits.masked_fill(~present[:, None, :], float("-inf"))
        pairs = targets.bool()
        if not pairs.any():
            return logits.sum() * 0.0
        return -logits[pairs].log_softmax(dim=-1).amax(dim=-1).mean()


def group_label_loss(
    group_embeds: torch.Tensor,
    noun_embeds: torch.Tensor,
    targets: torch.Tensor,
    logit_scale: torch.Tensor,
    null_cosine: torch.Tensor,
    present: torch.Tensor | None = None,
) -> torch.Tensor:
    """Each segment labelled from its caption: a mentioned noun's best segment takes it, the rest
    are background.

    Every group is classified over the noun vocabulary plus a null label whose cosine is
    ``null_cosine`` (a learned background threshold). The targets come from the caption: for
    each noun it mentions, the image's group most similar to it (chosen without gradient) is
    that noun's (a group best for several shares them uniformly); every other group is null.
    Nouns the caption does not mention are every group's negatives. Not in GroupViT's paper:
    its background is a threshold picked after training, which the image-level losses give no
    reason to exist (``README``: the collapse).

    Args:
        group_embeds: (B, G, D) L2-normalised group embeddings.
        noun_embeds: (V, D) L2-normalised prompt embeddings of the noun vocabulary.
        targets: (B, V) bool, caption b mentions noun v.
        logit_scale: the exp'd temperature 1/tau.
        null_cosine: the null label's cosine (a scalar, learnable).
        present: (B, G) bool, the groups that take part (those holding pixels); None: all.

    Returns:
        The mean cross-entropy over the groups that take part.
    """
    b, g, _ = group_embeds.shape
    if targets.shape != (b, noun_embeds.shape[0]):
        raise ValueError(
            f"targets {tuple(targets.shape)} must be (images, nouns) = ({b}, {noun_embeds.shape[0]})."
        )
    if present is None:
        present = torch.ones(b, g, dtype=torch.bool, device=group_embeds.device)
    _check_present(present, (b, g))
    with torch.autocast(device_type=group_embeds.device.type, enabled=False):
        cosine = torch.einsum("bgd,vd->bgv", group_embeds.float(), noun_embeds.float())
        null = null_cosine.float().reshape(1, 1, 1).expand(b, g, 1)
        logits = logit_scale.float() * torch.cat([cosine, null], dim=-1)
        with torch.no_grad():
            best = cosine.masked_fill(~present[..., None], float("-inf")).argmax(dim=1)  # (B, V)
            taken = torch.zeros_like(cosine)
            taken.scatter_(1, best[:, None, :], targets[:, None, :].float())
            count = taken.sum(-1, keepdim=True)
            target = torch.cat([taken / count.clamp(min=1), (count == 0).float()], dim=-1)
        loss = -(target * logits.log_softmax(dim=-1)).sum(dim=-1)
        return loss[present].mean()


def assignment_information_loss(assignment: torch.Tensor) -> torch.Tensor:
    """Minus the mutual information between a token and its group, per image, in [-1, 0].

    ``assignment`` (B, G, N) is a grouping stage's soft assignment (each token's distribution over
    the groups, columns summing to 1). The mutual information is the entropy of the image's
    group marginal (the mean over its tokens) minus the mean entropy of each token's
    distribution, divided by log G: it is high when every token is sure of its group and the
    image's tokens spread over several groups, and 0 when all of them share one group (the
    collapse of ``README``) or when none is sure (an assignment uniform over the groups, whose
    argmax would still be one group). Information-maximising clustering (IIC, Ji et al. 2019)
    applied to one image's tokens; not in GroupViT's paper.

    Returns:
        The mean over images of minus the normalised mutual information.
    """
    if assignment.dim() != 3 or assignment.shape[1] < 2:
        raise ValueError(
            f"assignment {tuple(assignment.shape)} must be (images, groups >= 2, tokens)."
        )
    with torch.autocast(device_type=assignment.device.type, enabled=False):
        p = assignment.float().clamp(min=1e-8)
        token_entropy = -(p * p.log()).sum(dim=1).mean(dim=-1)  # (B,)
        marginal = p.mean(dim=-1)  # (B, G)
        marginal_entropy = -(marginal * marginal.log()).sum(dim=-1)
        return ((token_entropy - marginal_entropy) / math.log(assignment.shape[1])).mean()


def multi_hot_accuracy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Share of images whose best-scoring noun is one their caption mentions (a training readout)."""
    rows = targets.any(1)
    if not rows.any():
        return logits.new_zeros(())
    best = logits[rows].argmax(1)
    return targets[rows].gather(1, best[:, None]).float().mean()


__all__ = [
    "assignment_information_loss",
    "best_match",
    "group_label_loss",
    "group_noun_contrast_loss",
    "multi_hot_accuracy",
    "multi_label_contrastive_loss",
    "soft_cross_entropy",
]
