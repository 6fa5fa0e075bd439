"""The grouping image tower: hard assignment forward, straight-through backward, chained maps."""

from __future__ import annotations

import pytest
import torch

from projects.groupvit.groupvit import (
    AssignAttention,
    GroupViTImageTower,
    GumbelAnnealHook,
    hard_softmax,
)


def tower(**kwargs) -> GroupViTImageTower:
    torch.manual_seed(0)
    args = dict(embed_dim=16, image_size=32, patch_stride=8, width=32, heads=2, depths=(1, 1, 1))
    args.update(kwargs)
    return GroupViTImageTower(**args)


def test_hard_softmax_is_one_hot_forward_and_the_softmax_gradient_backward():
    logits = torch.randn(2, 5, 7, requires_grad=True)
    hard = hard_softmax(logits, dim=1)
    assert torch.equal(hard.sum(1), torch.ones(2, 7))
    assert set(hard.detach().unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(hard.argmax(1), logits.argmax(1))
    weights = torch.randn(2, 5, 7)
    (hard * weights).sum().backward()
    soft_logits = logits.detach().clone().requires_grad_(True)
    (soft_logits.softmax(1) * weights).sum().backward()
    torch.testing.assert_close(logits.grad, soft_logits.grad)


@pytest.mark.parametrize("hard", [True, False])
def test_each_group_averages_the_tokens_assigned_to_it(hard):
    torch.manual_seed(0)
    attention = AssignAttention(8, hard=hard, gumbel=False, assign_eps=0.0).eval()
    groups, tokens = torch.randn(1, 3, 8), torch.randn(1, 10, 8)
    out, soft, _ = attention(groups, tokens)
    torch.testing.assert_close(soft.sum(1), torch.ones(1, 10))
    logits = attention.q_proj(groups) @ attention.k_proj(tokens).transpose(1, 2) / 8**0.5
    assign = (
        torch.nn.functional.one_hot(logits.argmax(1), 3).transpose(1, 2).float()
        if hard
        else logits.softmax(1)
    )
    values = attention.v_proj(tokens)
    for g in range(3):
        if assign[0, g].sum() == 0:
            continue
        mean = (assign[0, g, :, None] * values[0]).sum(0) / assign[0, g].sum()
        torch.testing.assert_close(out[0, g], attention.proj(mean), rtol=1e-4, atol=1e-5)


def test_gumbel_noise_only_while_training():
    model = tower()
    images = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        model.eval()
        a, b = model(images), model(images)
        model.train()
        c, d = model(images), model(images)
    assert torch.equal(a.image_embeds, b.image_embeds)
    assert not torch.equal(c.image_embeds, d.image_embeds)  # the hard choice is noisy
    assert torch.equal(c.assignments[0], d.assignments[0])  # the soft maps are not


def test_output_shapes_and_chained_membership_sums_to_one():
    model = tower(num_group_tokens=(8, 2)).eval()
    with torch.no_grad():
        out = model(torch.randn(3, 3, 32, 32))
    assert out.image_embeds.shape == (3, 16) and out.group_embeds.shape == (3, 2, 16)
    assert [a.shape for a in out.assignments] == [(3, 8, 16), (3, 2, 8)]
    membership = out.patch_to_group()
    assert membership.shape == (3, 2, 4, 4)
    torch.testing.assert_close(membership.sum(1), torch.ones(3, 4, 4))


def test_group_sizes_count_the_patches_the_forward_pass_put_in_each_group():
    model = tower(num_group_tokens=(8, 2)).train()  # hard, with Gumbel noise
    out = model(torch.randn(3, 3, 32, 32))
    sizes = out.group_sizes()
    assert sizes.shape == (3, 2)
    torch.testing.assert_close(sizes.sum(1), torch.full((3,), 16.0))  # a 4 x 4 grid
    torch.testing.assert_close(sizes, sizes.round())  # whole patches: the choices are one-hot
    by_loop = torch.zeros(3, 2)
    for b in range(3):
        for patch in range(16):
            first = out.choices[0][b, :, patch].argmax()
            by_loop[b, out.choices[1][b, :, first].argmax()] += 1
    torch.testing.assert_close(sizes, by_loop)
    assert not any(c.requires_grad for c in out.choices)


def test_mixing_group_tokens_to_fewer_outputs_and_other_input_sizes():
    model = tower(depths=(1, 1), num_group_tokens=(8,), num_output_groups=(3,)).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 48, 64))  # the position table is interpolated
    assert out.grid == (6, 8) and out.group_embeds.shape == (1, 3, 16)


def test_every_parameter_learns_and_bad_arguments_are_refused():
    model = tower(num_group_tokens=(8, 2)).train()
    out = model(torch.randn(2, 3, 32, 32))
    (out.image_embeds.sum() + out.group_embeds.sum()).backward()
    silent = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum()]
    assert silent == []
    with pytest.raises(ValueError, match="depths"):
        tower(depths=(1, 1))
    with pytest.raises(ValueError, match="multiple of patch_stride"):
        tower(image_size=30)
    with pytest.raises(ValueError, match="power of two"):
        tower(patch_stride=6, image_size=36)
    with pytest.raises(ValueError, match="patch stride"):
        tower()(torch.randn(1, 3, 30, 32))


def test_the_anneal_hook_lowers_the_noise_until_the_training_choice_is_the_inference_one():
    model = tower(num_group_tokens=(8, 2))
    images = torch.randn(2, 3, 32, 32)
    hook = GumbelAnnealHook(end=10)
    assert [hook.scale_at(i) for i in (0, 5, 10, 20)] == [1.0, 0.5, 0.0, 0.0]
    assert GumbelAnnealHook(end=4, final=0.2).scale_at(2) == pytest.approx(0.6)

    class Runner:  # what the hook reads of mmengine's runner
        iter = 10
        message_hub = type("Hub", (), {"update_scalar": lambda self, key, value: None})()

    Runner.model = model
    hook.before_train_iter(Runner(), 0)
    assert all(m.noise_scale == 0.0 for m in model.modules() if isinstance(m, AssignAttention))
    with torch.no_grad():
        inferred = model.eval()(images)
        model.train().stem.eval()  # the stem's batch norm aside, only the noise differs
        trained = model(images)
    for a, b in zip(trained.choices, inferred.choices, strict=True):
        assert torch.equal(a, b)  # no noise left: training assigns as inference does
    with pytest.raises(ValueError, match="end=0"):
        GumbelAnnealHook(end=0)
    with pytest.raises(ValueError, match="final=2"):
        GumbelAnnealHook(end=5, final=2)
