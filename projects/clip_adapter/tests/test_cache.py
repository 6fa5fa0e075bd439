"""TipAdapterCache: Tip-Adapter's affinity formula and the run-time vocabulary."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from projects.clip_adapter.clip_adapter import TipAdapterCache, tip_adapter_logits

NAMES = ("red circle", "pink heart", "cyan diamond")


def unit(rows: int, dim: int = 8, seed: int = 0) -> torch.Tensor:
    return F.normalize(
        torch.randn(rows, dim, generator=torch.Generator().manual_seed(seed)), dim=-1
    )


def test_logits_follow_the_paper_formula():
    queries, keys = unit(3, seed=1), unit(6, seed=2)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    values = F.one_hot(labels, 3).float()
    got = tip_adapter_logits(queries, keys, values, alpha=2.0, beta=5.5)
    expected = torch.zeros(3, 3)
    for q in range(3):
        for n in range(6):
            affinity = torch.exp(-5.5 * (1 - queries[q] @ keys[n]))
            expected[q, labels[n]] += 2.0 * affinity
    assert torch.allclose(got, expected, atol=1e-5)


def test_a_query_equal_to_a_key_scores_alpha_from_that_key():
    keys = torch.eye(3)
    cache = TipAdapterCache(alpha=3.0, beta=100.0)
    cache.fill(keys, torch.tensor([0, 1, 2]), NAMES)
    logits = cache(keys[1:2], NAMES)
    assert logits[0, 1].item() == pytest.approx(3.0, rel=1e-5)
    assert logits[0, 0].item() < 1e-6 and logits[0, 2].item() < 1e-6


def test_columns_follow_the_vocabulary_given_at_run_time():
    cache = TipAdapterCache()
    cache.fill(unit(6, seed=3), torch.tensor([0, 0, 1, 1, 2, 2]), NAMES)
    queries = unit(4, seed=4)
    full = cache(queries, NAMES)
    reordered = cache(queries, [NAMES[2], NAMES[0], NAMES[1]])
    assert torch.allclose(reordered, full[:, [2, 0, 1]])
    with_new = cache(queries, [NAMES[1], "brown square"])
    assert torch.allclose(with_new[:, 0], full[:, 1])
    assert torch.equal(with_new[:, 1], torch.zeros(4))


def test_keys_are_normalised_and_not_saved_in_checkpoints():
    cache = TipAdapterCache()
    cache.fill(3.0 * unit(4), torch.tensor([0, 1, 2, 0]), NAMES)
    assert torch.allclose(cache.keys.norm(dim=-1), torch.ones(4), atol=1e-6)
    assert cache.state_dict() == {}


def test_empty_cache_says_how_to_fill_it():
    with pytest.raises(RuntimeError, match="TipAdapterCacheHook"):
        TipAdapterCache()(unit(2), NAMES)


def test_bad_fill_and_arguments_name_the_value():
    cache = TipAdapterCache()
    with pytest.raises(ValueError, match="Label 3 is outside"):
        cache.fill(unit(2), torch.tensor([0, 3]), NAMES)
    with pytest.raises(ValueError, match="len\\(labels\\) = 3"):
        cache.fill(unit(2), torch.tensor([0, 1, 2]), NAMES)
    with pytest.raises(TypeError, match="'red circle'"):
        cache.fill(unit(1), torch.tensor([0]), "red circle")
    with pytest.raises(ValueError, match="beta=0"):
        TipAdapterCache(beta=0)
