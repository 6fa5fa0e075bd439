"""Temporal aggregators: meanP is the masked mean, seqTransf copies CLIP's text blocks."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from clipx.registry import MODELS
from clipx.testing import TEST_VIT, tiny_clip
from clipx.video import MeanPooling, TemporalTransformer, build_aggregator


@pytest.fixture(scope="module")
def rn_tiny():
    """Text width 128 = embedding dimension 128, 3 text blocks: the copy applies."""
    return tiny_clip("clipx-RN-tiny-64")


@pytest.fixture(scope="module")
def vit_test():
    """Text width 64 != embedding dimension 32: random start."""
    return tiny_clip(TEST_VIT)


def frames_and_mask(batch=3, frames=6, dim=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    embeds = F.normalize(torch.randn(batch, frames, dim, generator=g), dim=-1)
    mask = torch.ones(batch, frames, dtype=torch.bool)
    mask[0, 4:] = False
    mask[1, 1:] = False
    return embeds, mask


def test_mean_pooling_is_the_normalised_masked_mean():
    embeds, mask = frames_and_mask()
    out = MeanPooling()(embeds, mask)
    for b in range(len(embeds)):
        expected = F.normalize(embeds[b][mask[b]].mean(0), dim=0)
        torch.testing.assert_close(out[b], expected)
    padded = embeds.clone()
    padded[~mask] = 100.0  # padded frames never count
    torch.testing.assert_close(MeanPooling()(padded, mask), out)
    empty = MeanPooling()(embeds[:1], torch.zeros(1, 6, dtype=torch.bool))
    assert torch.count_nonzero(empty) == 0
    torch.testing.assert_close(
        MeanPooling()(embeds.flip(1), mask.flip(1))[2], out[2]
    )  # order-blind


def test_temporal_transformer_copies_the_first_text_blocks(rn_tiny):
    agg = TemporalTransformer(clip=rn_tiny, num_layers=4, max_frames=12)
    text_blocks = rn_tiny.clip.transformer.resblocks
    assert agg.copied_layers == len(text_blocks) == 3
    for i in range(3):
        copied = agg.blocks[i].state_dict()
        for name, value in text_blocks[i].state_dict().items():
            assert torch.equal(copied[name], value.float()), (i, name)
        assert agg.blocks[i].attn.num_heads == text_blocks[i].attn.num_heads
    assert not torch.equal(agg.blocks[3].mlp.c_fc.weight[:, :128], text_blocks[0].mlp.c_fc.weight)
    torch.testing.assert_close(
        agg.frame_position.data, rn_tiny.clip.positional_embedding[:12].float()
    )
    # copies train on their own; the backbone's text tower stays frozen and untouched
    assert all(p.requires_grad for p in agg.parameters())
    assert not any(p.requires_grad for p in rn_tiny.parameters())
    assert agg.blocks[0].mlp.c_fc.weight.data_ptr() != text_blocks[0].mlp.c_fc.weight.data_ptr()


def test_temporal_transformer_shapes_mask_and_order(rn_tiny):
    agg = TemporalTransformer(clip=rn_tiny, num_layers=2, max_frames=8)
    embeds, mask = frames_and_mask(dim=128)
    out = agg(embeds, mask)
    assert out.shape == (3, 128)
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(3))
    padded = embeds.clone()
    padded[~mask] = 5.0
    torch.testing.assert_close(agg(padded, mask), out, rtol=0, atol=1e-5)
    reversed_out = agg(embeds.flip(1), torch.ones(3, 6, dtype=torch.bool))
    assert not torch.allclose(reversed_out[2], out[2], atol=1e-4)  # order matters, unlike meanP
    empty = agg(embeds[:1], torch.zeros(1, 6, dtype=torch.bool))
    assert torch.isfinite(empty).all() and torch.count_nonzero(empty) == 0
    with pytest.raises(ValueError, match="max_frames=8"):
        agg(torch.zeros(1, 9, 128), torch.ones(1, 9, dtype=torch.bool))


def test_width_mismatch_starts_random_and_says_so(vit_test, caplog_mm):
    agg = TemporalTransformer(clip=vit_test, num_layers=2, max_frames=8)
    assert agg.copied_layers == 0 and agg.blocks[0].attn.embed_dim == vit_test.embed_dim == 32
    assert "text width 64 differs from its embedding dimension 32" in caplog_mm.text
    embeds, mask = frames_and_mask(dim=32)
    assert agg(embeds, mask).shape == (3, 32)


def test_build_aggregator_passes_the_backbone_only_where_wanted(vit_test):
    assert isinstance(build_aggregator(None, vit_test), MeanPooling)
    assert isinstance(build_aggregator(dict(type="MeanPooling"), vit_test), MeanPooling)
    seq = build_aggregator(dict(type=TemporalTransformer, num_layers=1, max_frames=4), vit_test)
    assert isinstance(seq, TemporalTransformer) and len(seq.blocks) == 1
    assert MODELS.get("TemporalTransformer") is TemporalTransformer


def test_position_std_makes_the_start_order_aware(rn_tiny):
    embeds, _ = frames_and_mask(dim=128)
    mask = torch.ones(3, 6, dtype=torch.bool)

    def order_gap(agg):
        with torch.no_grad():
            return (1 - (agg(embeds, mask) * agg(embeds.flip(1), mask)).sum(-1)).mean().item()

    copied = TemporalTransformer(clip=rn_tiny, num_layers=2, max_frames=8)
    scaled = TemporalTransformer(clip=rn_tiny, num_layers=2, max_frames=8, position_std=0.1)
    assert scaled.frame_position.std().item() == pytest.approx(0.1, rel=0.2)
    assert scaled.copied_layers == 2  # the blocks still come from the text tower
    assert order_gap(scaled) > order_gap(copied)
