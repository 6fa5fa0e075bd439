"""ResidualAdapter: CLIP-Adapter's blend, shapes, checks."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from projects.clip_adapter.clip_adapter import ResidualAdapter


def embeds(batch: int = 5, dim: int = 16) -> torch.Tensor:
    return F.normalize(torch.randn(batch, dim, generator=torch.Generator().manual_seed(0)), dim=-1)


def test_output_is_the_normalised_blend_of_mlp_and_input():
    torch.manual_seed(0)
    adapter = ResidualAdapter(embed_dim=16, reduction=4, ratio=0.2)
    x = embeds()
    hidden = torch.relu(x @ adapter.fc[0].weight.T)
    mlp = torch.relu(hidden @ adapter.fc[2].weight.T)
    expected = F.normalize(0.2 * mlp + 0.8 * x, dim=-1)
    out = adapter(x)
    assert out.shape == (5, 16)
    assert adapter.fc[0].weight.shape == (4, 16)
    assert torch.allclose(out, expected, atol=1e-6)
    assert torch.allclose(out.norm(dim=-1), torch.ones(5), atol=1e-6)


def test_ratio_zero_returns_the_input_and_one_the_mlp_alone():
    x = embeds()
    assert torch.allclose(ResidualAdapter(embed_dim=16, ratio=0.0)(x), x, atol=1e-6)
    torch.manual_seed(0)
    full = ResidualAdapter(embed_dim=16, ratio=1.0)
    assert torch.allclose(full(x), F.normalize(full.fc(x), dim=-1), atol=1e-6)


def test_gradients_reach_both_layers():
    adapter = ResidualAdapter(embed_dim=16, reduction=2, ratio=0.5)
    adapter(embeds()).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in adapter.parameters())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(embed_dim=16, ratio=1.5), "ratio=1.5"),
        (dict(embed_dim=16, ratio=-0.1), "ratio=-0.1"),
        (dict(embed_dim=16, reduction=0), "reduction=0"),
        (dict(embed_dim=16, reduction=32), "reduction=32"),
        (dict(embed_dim=0), "embed_dim=0"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ResidualAdapter(**kwargs)


def test_wrong_width_names_both_shapes():
    with pytest.raises(ValueError, match=r"embed_dim=16.*\(5, 8\)"):
        ResidualAdapter(embed_dim=16)(embeds(dim=8))
