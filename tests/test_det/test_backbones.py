"""The detector's image features: the shared frozen CLIP (default) or a trainable mmdet ResNet."""

from __future__ import annotations

import pytest
import torch

from clipx.det import CLIPDetBackbone

from .conftest import VILD_R18, VILD_TEXT, build_vild, fake_batch

pytestmark = pytest.mark.mm


def _train_step(model):
    model.set_training_vocabulary(["circle", "square", "triangle"])
    data = model.data_preprocessor(fake_batch(model), True)
    losses = model.loss(data["inputs"], data["data_samples"])
    model.parse_losses(losses)[0].backward()
    return losses


def test_clip_backbone_is_the_shared_frozen_clip():
    model = build_vild(VILD_TEXT)
    assert isinstance(model.backbone, CLIPDetBackbone)
    assert model.backbone.clip is model.clip  # one backbone for features, text and distillation
    # the FPN reads the channels the backbone declares
    declared = [spec.channels for spec in model.clip.dense_spec(model.backbone.indices)]
    assert model.backbone.out_channels == declared
    assert [conv.conv.in_channels for conv in model.neck.lateral_convs] == declared
    model.train()
    assert not model.clip.training
    _train_step(model)
    assert all(p.grad is None and not p.requires_grad for p in model.clip.parameters())
    assert model.neck.lateral_convs[0].conv.weight.grad is not None
    assert model.roi_head.bbox_head.text_proj.weight.grad is not None


def test_clip_backbone_maps_are_the_dense_stage_maps():
    model = build_vild(VILD_TEXT).eval()
    images = torch.randn(1, 3, 64, 64)
    maps = model.backbone(images)
    specs = model.clip.dense_spec(model.backbone.indices)
    dense = model.clip.forward_dense(images, indices=model.backbone.indices).maps
    assert [m.shape[-1] for m in maps] == [64 // spec.stride for spec in specs]
    for a, b in zip(maps, dense, strict=True):
        torch.testing.assert_close(a, b)


def test_resnet_backbone_trains_while_clip_stays_the_frozen_teacher():
    model = build_vild(VILD_R18, {"model.roi_head.distill_weight": 0.5})
    assert type(model.backbone).__name__ == "ResNet"
    model.set_training_vocabulary(["circle", "square", "triangle"])
    data = model.data_preprocessor(fake_batch(model, regions=3), True)
    losses = model.loss(data["inputs"], data["data_samples"])
    assert "loss_distill" in losses
    model.parse_losses(losses)[0].backward()
    assert model.backbone.conv1.weight.grad is not None
    assert all(p.grad is None for p in model.clip.parameters())
    # the text side still comes from CLIP
    torch.testing.assert_close(
        model.text_embeds,
        model.clip.embed_classes(["circle", "square", "triangle"], templates=model.templates),
    )


def test_indices_must_increase():
    from clipx.testing import TEST_RN, tiny_clip

    with pytest.raises(ValueError, match="increasing"):
        CLIPDetBackbone(clip=tiny_clip(TEST_RN), indices=(3, 2))
