"""AutocastOptimWrapper: bf16 autocast on CPU through mmengine's optimiser-wrapper interface."""

from __future__ import annotations

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from torch import nn

from clipx.engine import AutocastOptimWrapper, precision
from clipx.pretrain.loss import ContrastiveLoss


def _wrapper(model: nn.Module, **kwargs) -> AutocastOptimWrapper:
    cfg = dict(type="clipx.AutocastOptimWrapper", optimizer=dict(type="SGD", lr=0.1), **kwargs)
    return build_optim_wrapper(model, cfg)


def test_forward_runs_in_bf16_and_weights_grads_stay_fp32():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    wrapper = _wrapper(model, enabled=True)
    assert isinstance(wrapper, AutocastOptimWrapper)
    before = model[0].weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.randn(5, 8))
        loss = out.float().pow(2).mean()
    assert out.dtype == torch.bfloat16 and wrapper.active
    wrapper.update_params(loss)
    assert model[0].weight.dtype == torch.float32 and not torch.equal(model[0].weight, before)
    assert wrapper.state_dict().keys() == wrapper.optimizer.state_dict().keys()  # plain checkpoints


def test_disabled_and_auto_follow_the_hardware(monkeypatch):
    model = nn.Linear(4, 4)
    off = _wrapper(model, enabled=False)
    with off.optim_context(model):
        assert model(torch.randn(2, 4)).dtype == torch.float32
    assert off.active is False
    for flags, expected in (
        (frozenset({"avx512f", "amx_bf16"}), torch.bfloat16),
        (frozenset({"avx2"}), torch.float32),
    ):
        monkeypatch.setattr(precision, "cpu_flags", lambda flags=flags: flags)
        auto = _wrapper(model)
        with auto.optim_context(model):
            assert model(torch.randn(2, 4)).dtype == expected, flags


def test_bad_settings_name_the_value():
    model = nn.Linear(4, 4)
    with pytest.raises(ValueError, match="dtype='int8'"):
        _wrapper(model, dtype="int8")
    with pytest.raises(ValueError, match="enabled='yes'"):
        _wrapper(model, enabled="yes")
    fp16 = _wrapper(model, dtype="float16", enabled=True)
    with pytest.raises(ValueError, match="float16 autocast on CPU"), fp16.optim_context(model):
        pass


def test_contrastive_loss_is_fp32_under_autocast_and_matches_fp32():
    torch.manual_seed(0)
    images = nn.functional.normalize(torch.randn(64, 32), dim=-1)
    texts = nn.functional.normalize(images + 0.3 * torch.randn(64, 32), dim=-1)
    scale = torch.tensor(40.0)
    loss_fn = ContrastiveLoss()
    reference = loss_fn(images, texts, scale)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = loss_fn(images.bfloat16(), texts.bfloat16(), scale)
    assert mixed.dtype == torch.float32
    # Only the bf16 rounding of the embeddings themselves remains (~3 significant digits).
    assert abs(mixed.item() - reference.item()) < 0.02 * reference.item()
    # The logits themselves are fp32: the same rounded embeddings give the fp32 loss exactly.
    rounded = loss_fn(images.bfloat16().float(), texts.bfloat16().float(), scale)
    assert abs(mixed.item() - rounded.item()) < 1e-5, (mixed.item(), rounded.item())


def test_config_key_flush_denormal_sets_the_cpu_mode(tmp_path):
    import argparse

    from clipx.engine.entry import load_config

    def args(config):
        return argparse.Namespace(
            config=str(config),
            cfg_options=None,
            launcher="none",
            work_dir=str(tmp_path),
            local_rank=0,
        )

    tiny = 1e-40  # below float32's smallest normal number (1.2e-38)
    config = tmp_path / "flush.py"
    try:
        config.write_text("flush_denormal = True\n")
        load_config(args(config))
        assert torch.tensor(tiny).item() == 0.0
        config.write_text("flush_denormal = False\n")
        load_config(args(config))
        assert torch.tensor(tiny).item() > 0.0
        config.write_text("flush_denormal = 'yes'\n")
        with pytest.raises(ValueError, match="flush_denormal='yes'"):
            load_config(args(config))
    finally:
        torch.set_flush_denormal(False)
