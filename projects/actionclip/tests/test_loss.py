"""ActionCLIP's objectives."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from projects.actionclip.actionclip import (
    class_cross_entropy,
    label_ground_truth,
    video_text_kl_loss,
)


def _unit(*shape, seed=0):
    return F.normalize(torch.randn(*shape, generator=torch.Generator().manual_seed(seed)), dim=-1)


def test_ground_truth_spreads_over_same_label_clips():
    target = label_ground_truth(torch.tensor([0, 1, 0, 2]))
    expected = torch.tensor([[0.5, 0, 0.5, 0], [0, 1, 0, 0], [0.5, 0, 0.5, 0], [0, 0, 0, 1.0]])
    assert torch.equal(target, expected)


def test_kl_loss_is_clips_loss_when_every_label_differs():
    video, text = _unit(5, 8, seed=1), _unit(5, 8, seed=2)
    logits = 10.0 * video @ text.T
    clip_loss = (
        F.cross_entropy(logits, torch.arange(5)) + F.cross_entropy(logits.T, torch.arange(5))
    ) / 2
    assert video_text_kl_loss(video, text, torch.arange(5), 10.0) == pytest.approx(clip_loss.item())


def test_kl_loss_does_not_punish_matching_a_same_label_text():
    # clips 0 and 1 share a label and a text: matching either text is right
    text = _unit(3, 8, seed=3)
    text = torch.stack([text[0], text[0], text[1]])
    video = text.clone()
    labels = torch.tensor([0, 0, 1])
    shared = video_text_kl_loss(video, text, labels, 50.0)
    as_distinct = video_text_kl_loss(video, text, torch.arange(3), 50.0)
    assert shared.item() < 1e-3 < as_distinct.item()  # distinct labels: 0 vs 1 cannot be told apart


def test_class_cross_entropy_matches_the_definition_and_checks_labels():
    video, classes = _unit(4, 8, seed=4), _unit(3, 8, seed=5)
    labels = torch.tensor([0, 2, 1, 1])
    expected = F.cross_entropy(20.0 * video @ classes.T, labels)
    assert class_cross_entropy(video, classes, labels, 20.0) == pytest.approx(expected.item())
    with pytest.raises(ValueError, match="Label 3 is outside the 3 classes"):
        class_cross_entropy(video, classes, torch.tensor([0, 3, 1, 1]), 20.0)
    with pytest.raises(ValueError, match="must both be"):
        video_text_kl_loss(video, classes, labels[:3], 1.0)
