"""Every part of the head contract (clipx/backbone/contract.py) on every clipx architecture."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

import clipx.backbone
from clipx.backbone import (
    CLIPBackbone,
    DenseUnavailableError,
    FeatureSpec,
    FrozenCLIP,
    Vocabulary,
)
from clipx.testing import TEST_CS, TEST_RN, TEST_VIT, fake_images, tiny_clip

ARCHS = sorted(p.stem for p in (Path(clipx.backbone.__file__).parent / "model_configs").glob("clipx-*.json"))
TEXTS = ["a red circle", "a large blue square above a green triangle"]


@pytest.fixture(scope="module", params=ARCHS)
def clip(request) -> FrozenCLIP:
    return tiny_clip(request.param, dense_indices=(0, -1))


def test_every_architecture_is_tested():
    assert {TEST_VIT, TEST_RN, TEST_CS, "clipx-ViT-nano-cs-64", "clipx-RN-tiny-64"} <= set(ARCHS)


def test_frozen_clip_satisfies_the_protocol(clip):
    assert isinstance(clip, CLIPBackbone)


def test_global_embeddings_are_normalised_and_in_the_joint_space(clip):
    images = fake_images(2, clip.image_size)
    image = clip.encode_image(images)
    text = clip.encode_text(TEXTS)
    assert image.shape == (2, clip.embed_dim) and text.shape == (2, clip.embed_dim)
    assert torch.allclose(image.norm(dim=-1), torch.ones(2), atol=1e-5)
    assert torch.allclose(text.norm(dim=-1), torch.ones(2), atol=1e-5)
    assert clip.logit_scale.ndim == 0 and clip.logit_scale.dtype == torch.float32
    assert torch.allclose(clip.log_logit_scale.exp(), clip.logit_scale)


def test_declared_dense_spec_equals_what_forward_dense_returns(clip):
    assert clip.has_dense  # every clipx tower has a dense path (open_clip ViT / ResNet, conv-stem ViT)
    height, width = clip.image_size[0] * 2, clip.image_size[1]
    assert len(clip.dense_spec()) == 2  # the constructor's (0, -1)
    every = tuple(range(clip.num_dense_levels))
    specs = clip.dense_spec(every)
    assert all(isinstance(s, FeatureSpec) for s in specs) and [s.index for s in specs] == list(every)
    dense = clip.forward_dense(fake_images(1, (height, width)), indices=every)
    for spec, level in zip(specs, dense.maps, strict=True):
        assert level.shape == (1, spec.channels, height // spec.stride, width // spec.stride)
    assert dense.embeds.shape[:2] == (1, clip.embed_dim)
    assert dense.embeds.shape[-2:] == dense.maps[-1].shape[-2:]
    assert clip.dense_channels(every) == [s.channels for s in specs]


def test_per_token_text_features_pool_to_encode_text(clip):
    tokens = clip.encode_text_tokens(TEXTS)
    n, length = len(TEXTS), clip.context_length
    assert tokens.features.shape == (n, length, clip.text_width)
    assert tokens.embeds.shape == (n, length, clip.embed_dim)
    assert tokens.mask.dtype == torch.bool and tokens.mask.shape == (n, length)
    ids = clip.tokenize(TEXTS)
    assert torch.equal(tokens.token_ids, ids)
    # the mask covers start, words and end token: the non-padding ids
    assert torch.equal(tokens.mask, ids != 0)
    pooled = tokens.embeds[torch.arange(n), tokens.eot]
    assert torch.allclose(F.normalize(pooled, dim=-1), clip.encode_text(TEXTS), atol=1e-5)


def test_a_tower_without_a_dense_path_says_so(tmp_path):
    # an open_clip architecture whose image tower is a timm ResNet (timm's tiny test model)
    config = dict(
        embed_dim=32,
        vision_cfg=dict(timm_model_name="test_resnet", timm_pool="avg", timm_proj="linear", image_size=32),
        text_cfg=dict(context_length=16, vocab_size=49408, width=64, heads=2, layers=2),
    )
    (tmp_path / "clipx-test-timm-resnet-32.json").write_text(json.dumps(config))
    open_clip.add_model_config(tmp_path / "clipx-test-timm-resnet-32.json")
    clip = tiny_clip("clipx-test-timm-resnet-32")
    assert clip.tower_kind == "timm" and not clip.has_dense and clip.num_dense_levels == 0
    names = "clipx-RN-tiny-64, clipx-ViT-tiny-8-64, clipx-ViT-nano-cs-64"
    with pytest.raises(DenseUnavailableError, match=f"no dense features: its timm tower is a ResNet.*{names}"):
        clip.dense_spec()
    with pytest.raises(DenseUnavailableError, match="no dense features"):
        clip.forward_dense(fake_images(1, clip.image_size))


def test_prompt_embeddings_average_to_class_embeddings(clip):
    names, templates = ["circle", "square", "star"], ["a red {}", "a {}", "a big {}"]
    per_template = clip.embed_prompts(names, templates=templates)
    assert per_template.shape == (3, 3, clip.embed_dim)
    prompts = [t.format(n) for n in names for t in templates]
    assert torch.allclose(per_template.reshape(9, -1), clip.encode_text(prompts), atol=1e-6)
    classes = clip.embed_classes(names, templates=templates)
    assert torch.allclose(classes, F.normalize(per_template.mean(1), dim=-1), atol=1e-6)
    assert torch.allclose(Vocabulary.of(names, templates).embed(clip), classes)


def test_text_block_copies_are_independent_and_trainable(clip):
    blocks = clip.copy_text_blocks(1)
    assert len(blocks) == 1 and all(p.requires_grad for p in blocks.parameters())
    before = clip.encode_text(TEXTS)
    with torch.no_grad():
        for p in blocks.parameters():
            p.add_(1.0)
    assert torch.equal(clip.encode_text(TEXTS), before)
    with pytest.raises(ValueError, match="text transformer has"):
        clip.copy_text_blocks(clip.text_layers + 1)
    positions = clip.text_positions()
    assert positions.shape == (clip.context_length, clip.text_width) and not positions.requires_grad


def test_preprocessing_normalise_matches_the_image_transform(clip):
    height, width = clip.image_size
    rgb = np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8)
    expected = clip.image_transform()(Image.fromarray(rgb))
    assert torch.allclose(clip.normalise(rgb), expected, atol=1e-5)


def test_fingerprints_follow_each_towers_weights(clip):
    image_print, text_print = clip.image_fingerprint(), clip.text_fingerprint()
    other = tiny_clip(clip.model_name, seed=1)
    assert other.image_fingerprint() != image_print and other.text_fingerprint() != text_print
    assert tiny_clip(clip.model_name, seed=0).image_fingerprint() == image_print


def test_towers_report_what_trains():
    frozen = tiny_clip(TEST_VIT)
    assert frozen.is_frozen("image") and frozen.is_frozen("text") and not frozen.has_trainable_parameters
    opened = tiny_clip(TEST_VIT, unfreeze=dict(last_text_blocks=1))
    assert opened.is_frozen("image") and not opened.is_frozen("text")
    assert all(not n.startswith("visual.") for n in opened.trainable_parameter_names("text"))
    with pytest.raises(ValueError, match="tower='audio'"):
        opened.is_frozen("audio")


def test_a_trainable_text_tower_gets_prompt_embeddings_with_gradients():
    clip = tiny_clip(TEST_VIT, unfreeze=dict(last_text_blocks=1))
    embeds = clip.embed_prompts(["circle", "square"], templates=["a {}"])
    assert embeds.requires_grad
    embeds.sum().backward()
    assert any(p.grad is not None for p in clip.parameters() if p.requires_grad)
    classes = clip.embed_classes(["circle", "square"], templates=["a {}"])
    assert classes.requires_grad
    again = clip.embed_classes(["circle", "square"], templates=["a {}"])
    assert again is not classes  # encoded anew: nothing is cached while the text tower trains
    assert clip.prompt_bank.hits == clip.prompt_bank.misses == 0


def test_channels_last_keeps_values():
    clip = tiny_clip(TEST_RN, dense_indices=(1, 4))
    images = fake_images(1, 64)
    before = clip.forward_dense(images).maps[-1]
    embeds = clip.encode_image(images)
    clip.use_channels_last()
    after = clip.forward_dense(images.contiguous(memory_format=torch.channels_last)).maps[-1]
    assert torch.allclose(before, after, atol=1e-5)
    assert clip.channels_last and clip._prepare(images).is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(clip.encode_image(images), embeds, atol=1e-5, rtol=0)
    vit = tiny_clip(TEST_VIT)
    vit.use_channels_last()
    assert not vit.channels_last and vit._prepare(fake_images(1, 32)).is_contiguous()


def test_dense_spec_follows_the_order_of_the_maps_and_refuses_repeats():
    clip = tiny_clip(TEST_RN, dense_indices=(4, 1))
    assert [s.index for s in clip.dense_spec()] == [1, 4]
    maps = clip.forward_dense(fake_images(1, 64)).maps
    assert [m.shape[1] for m in maps] == clip.dense_channels()
    with pytest.raises(ValueError, match=r"name stage 4 twice"):
        tiny_clip(TEST_RN, dense_indices=(4, -1)).dense_spec()
