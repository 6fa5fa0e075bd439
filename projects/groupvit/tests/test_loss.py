"""GroupViT's multi-label loss against a loop written from its definition."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from projects.groupvit.groupvit import multi_label_contrastive_loss


def by_definition(images, nouns, targets, scale) -> float:
    logits = (scale * images @ nouns.T).tolist()
    image_terms, noun_terms = [], []
    for b, row in enumerate(logits):
        positives = [v for v in range(len(row)) if targets[b, v]]
        if positives:
            log_z = math.log(sum(math.exp(x) for x in row))
            image_terms.append(-sum(row[v] - log_z for v in positives) / len(positives))
    for v in range(nouns.shape[0]):
        column = [logits[b][v] for b in range(len(logits))]
        positives = [b for b in range(len(column)) if targets[b, v]]
        if positives:
            log_z = math.log(sum(math.exp(x) for x in column))
            noun_terms.append(-sum(column[b] - log_z for b in positives) / len(positives))
    return (sum(image_terms) / len(image_terms) + sum(noun_terms) / len(noun_terms)) / 2


def test_matches_the_definition_with_captions_without_nouns_and_nouns_unused():
    torch.manual_seed(0)
    images = F.normalize(torch.randn(5, 8), dim=-1)
    nouns = F.normalize(torch.randn(4, 8), dim=-1)
    targets = torch.tensor(
        [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [1, 0, 1, 0]], dtype=torch.bool
    )
    scale = torch.tensor(7.0)
    loss = multi_label_contrastive_loss(images, nouns, targets, scale)
    assert loss.item() == pytest.approx(by_definition(images, nouns, targets, 7.0), rel=1e-5)


def test_no_noun_gives_zero_with_a_graph_and_shapes_are_checked():
    images = torch.randn(2, 4, requires_grad=True)
    nouns = torch.randn(3, 4)
    loss = multi_label_contrastive_loss(
        images, nouns, torch.zeros(2, 3, dtype=torch.bool), torch.tensor(1.0)
    )
    loss.backward()
    assert loss.item() == 0.0 and images.grad is not None
    with pytest.raises(ValueError, match="targets"):
        multi_label_contrastive_loss(
            images, nouns, torch.zeros(3, 2, dtype=torch.bool), torch.tensor(1.0)
        )


def test_lower_when_images_point_at_their_nouns():
    nouns = torch.eye(3)
    targets = torch.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=torch.bool)
    aligned = multi_label_contrastive_loss(nouns.clone(), nouns, targets, torch.tensor(10.0))
    shuffled = multi_label_contrastive_loss(nouns[[1, 2, 0]], nouns, targets, torch.tensor(10.0))
    assert aligned < shuffled
