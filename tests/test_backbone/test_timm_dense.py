"""The dense path of timm ViT towers with a convolutional stem (clipx/backbone/timm_dense.py)."""

from __future__ import annotations

import pytest
import timm
import torch
import torch.nn.functional as F
from open_clip.timm_model import TimmModel

from clipx.backbone.conv_stem_vit import conv_stem_vit
from clipx.backbone.dense import dense_unavailable_reason
from clipx.testing import TEST_CS, fake_images, tiny_clip

NANO = "clipx-ViT-nano-cs-64"


def _stem_norms(clip) -> list[torch.nn.BatchNorm2d]:
    stem = clip.clip.visual.trunk.patch_embed.backbone
    return [m for m in stem.modules() if isinstance(m, torch.nn.BatchNorm2d)]


def test_nano_declares_its_width_at_stride_8_for_every_block():
    clip = tiny_clip(NANO, dense_indices=(0, -1))
    assert clip.has_dense and clip.tower_kind == "timm" and clip.num_dense_levels == 4
    assert [(s.index, s.channels, s.stride) for s in clip.dense_spec()] == [(0, 128, 8), (3, 128, 8)]


@pytest.mark.parametrize("size", [(64, 64), (48, 96)])
def test_maps_and_embeds_follow_the_input_size(size):
    clip = tiny_clip(NANO, dense_indices=(1, 2, 3))
    out = clip.forward_dense(fake_images(2, size))
    grid = (size[0] // 8, size[1] // 8)
    assert [m.shape for m in out.maps] == [(2, 128, *grid)] * 3
    assert out.embeds.shape == (2, clip.embed_dim, *grid)
    torch.testing.assert_close(out.embeds.norm(dim=1), torch.ones(2, *grid))


@pytest.mark.parametrize("mode", ["maskclip", "tokens"])
@pytest.mark.parametrize("name", [NANO, TEST_CS])
def test_image_embeds_equal_encode_image(name, mode):
    clip = tiny_clip(name, dense_mode=mode)
    images = fake_images(3, clip.image_size)
    torch.testing.assert_close(clip.forward_dense(images).image_embeds, clip.encode_image(images))


def test_other_sizes_match_timms_own_dynamic_size_model():
    """timm resamples the position table itself when built with dynamic_img_size: the same weights
    there must give the same block maps and pooled embedding at a size the tower was not built for."""
    clip = tiny_clip(TEST_CS, dense_indices=(0, 1))
    visual = clip.clip.visual
    twin = timm.create_model("clipx_vit_test_convstem_32", dynamic_img_size=True, num_classes=0)
    twin.load_state_dict(visual.trunk.state_dict())
    twin.eval()
    images = fake_images(2, (48, 72))
    out = clip.forward_dense(images)
    with torch.no_grad():
        maps = twin.forward_intermediates(images, indices=[0, 1], intermediates_only=True)
        pooled = visual.head(twin.forward_head(twin.forward_features(images)))
    for ours, theirs in zip(out.maps, maps, strict=True):
        torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(out.image_embeds, F.normalize(pooled, dim=-1))


def test_maskclip_embeds_are_the_last_blocks_value_path():
    """By hand: the last block with attention cut to v-projection then out-projection, its MLP, the
    final norm and the projection head, applied to the patch tokens that enter the last block."""
    clip = tiny_clip(TEST_CS, dense_indices=(0,))
    trunk, head = clip.clip.visual.trunk, clip.clip.visual.head
    images = fake_images(2, (40, 32))
    out = clip.forward_dense(images)
    tokens = out.maps[0].flatten(2).transpose(1, 2)  # what block 0 hands the last block
    block, width = trunk.blocks[-1], trunk.embed_dim
    with torch.no_grad():
        qkv = block.attn.qkv
        value = F.linear(block.norm1(tokens), qkv.weight[2 * width :], qkv.bias[2 * width :])
        x = tokens + block.attn.proj(value)
        x = x + block.mlp(block.norm2(x))
        ref = F.normalize(head(trunk.norm(x)), dim=-1)
    torch.testing.assert_close(out.embeds.flatten(2).transpose(1, 2), ref)
    # the path is not the ordinary forward: with attention between tokens the result differs
    tokens_mode = tiny_clip(TEST_CS, dense_mode="tokens").forward_dense(images).embeds
    assert not torch.allclose(tokens_mode, out.embeds, atol=1e-3)


def test_tokens_mode_projects_the_final_tokens():
    clip = tiny_clip(TEST_CS, dense_indices=(-1,), dense_mode="tokens")
    trunk, head = clip.clip.visual.trunk, clip.clip.visual.head
    out = clip.forward_dense(fake_images(1, 32))
    with torch.no_grad():
        ref = F.normalize(head(trunk.norm(out.maps[0].flatten(2).transpose(1, 2))), dim=-1)
    torch.testing.assert_close(out.embeds.flatten(2).transpose(1, 2), ref)


def test_sizes_that_are_not_a_multiple_of_the_stride_are_refused():
    clip = tiny_clip(NANO)
    with pytest.raises(ValueError, match=r"Input 68x60 is not a multiple of the token stride 8.*e\.g\. 72x64"):
        clip.forward_dense(fake_images(1, (68, 60)))
    with pytest.raises(ValueError, match="dense index 4 is out of range for 4 blocks"):
        clip.dense_spec((4,))


def test_other_sizes_leave_the_model_as_it_was():
    clip = tiny_clip(NANO)
    trunk = clip.clip.visual.trunk
    images = fake_images(2, 64)
    before = clip.encode_image(images)
    clip.forward_dense(fake_images(1, 96))
    assert trunk.pos_embed.shape == (1, 65, 128) and trunk.patch_embed.grid_size == (8, 8)
    torch.testing.assert_close(clip.encode_image(images), before)


def test_the_stems_batch_norm_stays_in_eval_mode():
    clip = tiny_clip(NANO)
    norms = _stem_norms(clip)
    stats = [(n.running_mean.clone(), n.running_var.clone(), int(n.num_batches_tracked)) for n in norms]
    clip.train()
    assert norms and not any(n.training for n in norms)
    clip.forward_dense(fake_images(4, 64, seed=3))
    clip.encode_image(fake_images(4, 64, seed=4))
    for norm, (mean, var, count) in zip(norms, stats, strict=True):
        assert torch.equal(norm.running_mean, mean) and torch.equal(norm.running_var, var)
        assert int(norm.num_batches_tracked) == count


def _tower(trunk_name: str, **trunk) -> TimmModel:
    if trunk:  # a conv-stem trunk with other settings than the registered ones
        visual = TimmModel("clipx_vit_test_convstem_32", embed_dim=32, image_size=32, pool="token")
        visual.trunk = conv_stem_vit(
            img_size=32, stem_channels=(8, 16), patch_size=2, embed_dim=64, depth=2, num_heads=2,
            num_classes=0, **trunk,
        )
        return visual
    return TimmModel(trunk_name, embed_dim=32, image_size=32, pool="avg")


@pytest.mark.parametrize(
    "trunk_name,trunk,reason",
    [
        ("test_resnet", {}, "timm tower is a ResNet, not a VisionTransformer"),
        ("test_vit", {}, "embeds patches with a PatchEmbed"),
        ("", dict(reg_tokens=1), "register tokens"),
        ("", dict(global_pool="map"), "attentional pooler"),
    ],
)
def test_timm_towers_without_a_dense_path_say_why(trunk_name, trunk, reason):
    assert reason in dense_unavailable_reason(_tower(trunk_name, **trunk), "maskclip")
