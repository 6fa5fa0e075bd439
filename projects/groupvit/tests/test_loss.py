"""GroupViT's multi-label loss against a loop written from its definition."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from projects.groupvit.groupvit import (
    assignment_information_loss,
    group_label_loss,
    group_noun_contrast_loss,
    multi_label_contrastive_loss,
)


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


@pytest.mark.parametrize(
    "loss_fn, shape",
    [
        (multi_label_contrastive_loss, (2, 4)),
        (multi_label_contrastive_loss, (2, 3, 4)),
        (group_noun_contrast_loss, (2, 3, 4)),
    ],
)
def test_no_noun_gives_zero_with_a_graph_and_shapes_are_checked(loss_fn, shape):
    embeds = torch.randn(*shape, requires_grad=True)
    nouns = torch.randn(5, 4)
    loss = loss_fn(embeds, nouns, torch.zeros(2, 5, dtype=torch.bool), torch.tensor(1.0))
    loss.backward()
    assert loss.item() == 0.0 and embeds.grad is not None
    with pytest.raises(ValueError, match="targets"):
        loss_fn(embeds, nouns, torch.zeros(5, 2, dtype=torch.bool), torch.tensor(1.0))


def test_lower_when_images_point_at_their_nouns():
    nouns = torch.eye(3)
    targets = torch.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=torch.bool)
    aligned = multi_label_contrastive_loss(nouns.clone(), nouns, targets, torch.tensor(10.0))
    shuffled = multi_label_contrastive_loss(nouns[[1, 2, 0]], nouns, targets, torch.tensor(10.0))
    assert aligned < shuffled


def random_groups(seed: int):
    """4 images of 3 groups, 5 nouns (8-d, normalised) and targets naming noun 0 at least once."""
    torch.manual_seed(seed)
    groups = F.normalize(torch.randn(4, 3, 8), dim=-1)
    nouns = F.normalize(torch.randn(5, 8), dim=-1)
    targets = torch.rand(4, 5) > 0.6
    targets[0, 0] = True
    return groups, nouns, targets


def test_on_groups_an_image_scores_each_noun_by_its_best_group():
    groups, nouns, targets = random_groups(1)
    best = torch.stack([(g @ nouns.T).amax(0) for g in groups])  # (images, nouns) by loop
    loss = multi_label_contrastive_loss(groups, nouns, targets, torch.tensor(5.0))
    assert loss.item() == pytest.approx(by_definition(best, torch.eye(5), targets, 5.0), rel=1e-5)
    with pytest.raises(ValueError, match="groups"):
        multi_label_contrastive_loss(groups[None], nouns, targets, torch.tensor(5.0))


def test_groups_without_patches_do_not_answer_for_their_image():
    groups, nouns, targets = random_groups(2)
    present = torch.tensor([[1, 0, 1], [0, 1, 0], [1, 1, 1], [0, 0, 1]], dtype=torch.bool)
    best = torch.stack([(g[p] @ nouns.T).amax(0) for g, p in zip(groups, present, strict=True)])
    loss = multi_label_contrastive_loss(groups, nouns, targets, torch.tensor(5.0), present=present)
    assert loss.item() == pytest.approx(by_definition(best, torch.eye(5), targets, 5.0), rel=1e-5)
    # the group-noun contrast: an empty group that matches the noun cannot take it
    pair = torch.tensor([[[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]])
    noun = torch.tensor([[1.0, 0.0]])
    only_third = torch.tensor([[False, True, True]])
    masked = group_noun_contrast_loss(
        pair, noun, torch.tensor([[True]]), torch.tensor(2.0), only_third
    )
    by_hand = -math.log(math.exp(1.2) / (math.exp(1.2) + math.exp(0.0)))
    assert masked.item() == pytest.approx(by_hand, rel=1e-6)
    with pytest.raises(ValueError, match="no group"):
        multi_label_contrastive_loss(
            groups, nouns, targets, torch.tensor(5.0), present=torch.zeros(4, 3, dtype=torch.bool)
        )
    with pytest.raises(ValueError, match="present"):
        multi_label_contrastive_loss(
            groups, nouns, targets, torch.tensor(5.0), present=torch.ones(4, 2, dtype=torch.bool)
        )


def test_group_noun_contrast_by_hand():
    # one image, two groups at cosines (1, 0) and (0, 1) to nouns 0 and 1; the caption names noun 0
    groups = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    nouns = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    targets = torch.tensor([[True, False]])
    loss = group_noun_contrast_loss(groups, nouns, targets, torch.tensor(2.0))
    # softmax over the groups of (2, 0): the best group's probability is e^2 / (e^2 + 1)
    assert loss.item() == pytest.approx(-math.log(math.exp(2) / (math.exp(2) + 1)), rel=1e-6)
    both = torch.tensor([[True, True]])
    assert group_noun_contrast_loss(groups, nouns, both, torch.tensor(2.0)).item() == (
        pytest.approx(loss.item(), rel=1e-6)
    )
    # a segment that is also the other noun's pays: the same embedding in both groups
    collapsed = torch.tensor([[[1.0, 0.0], [1.0, 0.0]]])
    assert group_noun_contrast_loss(collapsed, nouns, targets, torch.tensor(2.0)).item() == (
        pytest.approx(math.log(2), rel=1e-6)
    )


def test_group_label_loss_by_hand():
    # two nouns; three groups: one at noun 0, one at noun 1, one between; the caption names noun 0
    c = math.sqrt(0.5)
    groups = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [c, c]]])
    nouns = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    null = torch.tensor(0.5, requires_grad=True)
    scale = torch.tensor(2.0)
    loss = group_label_loss(groups, nouns, torch.tensor([[True, False]]), scale, null)

    def ce(cosines, target):  # cosines of [noun 0, noun 1, null], the target's index
        logits = [2.0 * x for x in cosines]
        return -(logits[target] - math.log(sum(math.exp(x) for x in logits)))

    # group 0 is noun 0's best and takes it; groups 1 and 2 are background (null)
    by_hand = (ce([1, 0, 0.5], 0) + ce([0, 1, 0.5], 2) + ce([c, c, 0.5], 2)) / 3
    assert loss.item() == pytest.approx(by_hand, rel=1e-6)
    loss.backward()
    assert null.grad is not None and null.grad.item() < 0  # the null must rise for groups 1, 2
    # without group 0 (no patches), the between-group is noun 0's best
    present = torch.tensor([[False, True, True]])
    masked = group_label_loss(groups, nouns, torch.tensor([[True, False]]), scale, null, present)
    assert masked.item() == pytest.approx((ce([0, 1, 0.5], 2) + ce([c, c, 0.5], 0)) / 2, rel=1e-6)
    # one group best for both named nouns shares them
    one = torch.tensor([[[c, c], [-c, -c]]])
    shared = group_label_loss(one, nouns, torch.tensor([[True, True]]), scale, null)
    half = -(0.5 * (2 * c) + 0.5 * (2 * c)) + math.log(2 * math.exp(2 * c) + math.exp(1.0))
    assert shared.item() == pytest.approx((half + ce([-c, -c, 0.5], 2)) / 2, rel=1e-6)
    with pytest.raises(ValueError, match="targets"):
        group_label_loss(groups, nouns, torch.ones(1, 3, dtype=torch.bool), scale, null)


def test_assignment_information_by_hand():
    # one image, two groups, four tokens
    collapsed = torch.tensor([[[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]])
    split = torch.tensor([[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]])
    unsure = torch.full((1, 2, 4), 0.5)
    assert assignment_information_loss(collapsed).item() == pytest.approx(0.0, abs=1e-6)
    assert assignment_information_loss(split).item() == pytest.approx(-1.0, abs=1e-6)
    assert assignment_information_loss(unsure).item() == pytest.approx(0.0, abs=1e-6)
    # three tokens sure of group 0 (p = 0.9), one sure of group 1: (H(marginal) - H(token)) / log 2
    p = torch.tensor([[[0.9, 0.9, 0.9, 0.1], [0.1, 0.1, 0.1, 0.9]]], requires_grad=True)

    def h(*q):
        return -sum(x * math.log(x) for x in q)

    by_hand = -(h(0.7, 0.3) - h(0.9, 0.1)) / math.log(2)
    loss = assignment_information_loss(p)
    assert loss.item() == pytest.approx(by_hand, rel=1e-6)
    loss.backward()
    assert p.grad.abs().sum() > 0
    # a batch is the mean of its images
    both = assignment_information_loss(torch.cat([collapsed, split]))
    assert both.item() == pytest.approx(-0.5, abs=1e-6)
    with pytest.raises(ValueError, match="groups >= 2"):
        assignment_information_loss(torch.ones(1, 1, 4))
