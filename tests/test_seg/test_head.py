"""LSegHead: the BaseDecodeHead contract, shapes, no unused parameters (DDP), the residual path."""

from __future__ import annotations

import pytest
import torch
import torch.distributed as dist
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper
from torch import nn

from clipx.testing import SEG_ARCHS, SEG_LABELS, fake_seg_batch, fake_seg_samples, tiny_segmentor

pytest.importorskip("mmseg")

pytestmark = pytest.mark.mm


@pytest.mark.parametrize("arch", sorted(SEG_ARCHS))
def test_head_follows_the_decode_head_contract(arch):
    size = SEG_ARCHS[arch]["size"]
    model = tiny_segmentor(arch)
    head = model.decode_head
    assert not hasattr(head, "conv_seg")
    images = torch.randn(2, 3, size, size)
    feats = model.extract_feat(images)
    text = model.text_embeds(model.train_vocabulary)
    logits = head.forward(feats, text_embeds=text)
    assert logits.shape[:2] == (2, len(SEG_LABELS))
    assert logits.abs().max() <= head.logit_scale + 1e-4  # cosine x 1/0.07

    losses = head.loss(feats, fake_seg_samples(2, size, len(SEG_LABELS)), None, text_embeds=text)
    assert set(losses) == {"loss_ce", "acc_seg"} and torch.isfinite(losses["loss_ce"])
    metas = [dict(img_shape=(size, size), pad_shape=(size, size))] * 2
    upsampled = head.predict(feats, metas, None, text_embeds=text)
    assert upsampled.shape == (2, len(SEG_LABELS), size, size)


@pytest.mark.parametrize("arch", sorted(SEG_ARCHS))
@pytest.mark.parametrize(
    "head", [dict(), dict(residual=False, spatial_blocks=2, learnable_temperature=True)]
)
def test_every_trainable_parameter_gets_a_gradient(arch, head):
    size = SEG_ARCHS[arch]["size"]
    model = tiny_segmentor(arch, **head)
    data = model.data_preprocessor(fake_seg_batch(2, size, len(SEG_LABELS)), True)
    losses = model.loss(**data)
    losses["decode.loss_ce"].backward()
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith("decode_head.") for n in trainable)
    missing = [n for n, p in trainable.items() if p.grad is None]
    assert not missing, f"parameters without a gradient (DDP would fail): {missing}"


def _ddp_steps(model: nn.Module, tmp_path, steps: int = 2) -> None:
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'init'}", rank=0, world_size=1)
    try:
        ddp = MMDistributedDataParallel(module=model, find_unused_parameters=False)
        wrapper = OptimWrapper(
            torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
        )
        for step in range(steps):
            ddp.train_step(fake_seg_batch(2, 64, len(SEG_LABELS), seed=step), wrapper)
    finally:
        dist.destroy_process_group()


def test_ddp_trains_without_find_unused_parameters(tmp_path):
    _ddp_steps(tiny_segmentor("rn", spatial_blocks=1), tmp_path)


def test_ddp_check_catches_an_unused_parameter(tmp_path):
    model = tiny_segmentor("rn")
    model.decode_head.idle = nn.Linear(2, 2)  # what a lingering conv_seg would be
    with pytest.raises(RuntimeError, match="reduction|unused|did not receive grad"):
        _ddp_steps(model, tmp_path)


@pytest.mark.parametrize("residual", [True, False])
def test_residual_path_carries_the_backbones_dense_embedding(residual):
    model = tiny_segmentor("rn", residual=residual)
    feats = model.extract_feat(torch.randn(1, 3, 64, 64))
    text = model.text_embeds(model.vocabulary)
    logits = model.decode_head.forward(feats, text_embeds=text)
    feats.embeds = -feats.embeds  # CLIP's own dense embedding, turned around
    changed = model.decode_head.forward(feats, text_embeds=text)
    assert not torch.allclose(logits, changed) if residual else torch.equal(logits, changed)


def test_temperature_is_fixed_by_default_and_learnable_on_request():
    fixed = tiny_segmentor("rn").decode_head
    assert "log_scale" not in dict(fixed.named_parameters())
    assert fixed.logit_scale.item() == pytest.approx(1 / 0.07)
    learnable = tiny_segmentor("rn", learnable_temperature=True, temperature=0.1).decode_head
    assert "log_scale" in dict(learnable.named_parameters())
    assert learnable.logit_scale.item() == pytest.approx(10.0)


def test_head_rejects_mismatched_text_embeddings_and_scales():
    model = tiny_segmentor("rn")
    feats = model.extract_feat(torch.randn(1, 3, 64, 64))
    with pytest.raises(ValueError, match="text_embeds must be"):
        model.decode_head.forward(feats, text_embeds=torch.randn(3, 7))
    with pytest.raises(ValueError, match="reassemble_scales"):
        tiny_segmentor("rn", reassemble_scales=(1, 1))
