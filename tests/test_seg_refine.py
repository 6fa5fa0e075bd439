"""Pixel-adaptive mask refinement: masks snap to colour edges and stay distributions."""

from __future__ import annotations

import pytest
import torch

from clipx.seg.refine import MaskRefiner


def two_halves(size: int = 32) -> torch.Tensor:
    image = torch.zeros(1, 3, size, size)
    image[:, 0, :, : size // 2] = 1.0  # red left half
    image[:, 2, :, size // 2 :] = 1.0  # blue right half
    return image + 0.01 * torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))


def test_a_blurred_boundary_snaps_to_the_colour_edge():
    size = 32
    image = two_halves(size)
    # a soft mask whose boundary sits 4 pixels off the true one and ramps over 8 pixels
    x = torch.arange(size).float()
    left = torch.sigmoid((size // 2 - 4 - x) / 2.0).expand(size, size)
    masks = torch.stack([left, 1 - left])[None]
    truth = (x < size // 2).expand(size, size)
    before = (masks.argmax(1)[0] == 0) == truth
    refined = MaskRefiner(iterations=20)(image, masks)
    after = (refined.argmax(1)[0] == 0) == truth
    assert before.float().mean() < 0.95 and after.float().mean() > 0.99
    assert refined.shape == masks.shape
    assert torch.allclose(refined.sum(1), torch.ones(1, size, size), atol=1e-5)


def test_a_flat_image_averages_its_neighbours():
    image = torch.ones(1, 3, 8, 8)
    masks = torch.zeros(1, 2, 8, 8)
    masks[:, 0, 4, 4] = 1.0
    masks[:, 1] = 1 - masks[:, 0]
    refiner = MaskRefiner(iterations=1, dilations=(1,))
    weights = refiner.affinity(image)
    assert torch.allclose(weights, torch.full_like(weights, 1 / 8))  # equal weights, no self
    refined = refiner(image, masks)
    assert refined[0, 0, 4, 4] == 0.0 and refined[0, 0, 3, 4] == pytest.approx(1 / 8)


def test_bad_settings_and_sizes_are_refused():
    with pytest.raises(ValueError, match="iterations=0"):
        MaskRefiner(iterations=0)
    with pytest.raises(ValueError, match="dilations"):
        MaskRefiner(dilations=(0,))
    with pytest.raises(ValueError, match="same size"):
        MaskRefiner()(torch.zeros(1, 3, 8, 8), torch.zeros(1, 2, 4, 4))
