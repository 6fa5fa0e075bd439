"""CLIPAdapterClassifier: zero-shot equivalence, what trains, cache, run-time vocabulary."""

from __future__ import annotations

import pytest
import torch
from mmengine.structures import BaseDataElement

from clipx.evaluation import ZeroShotClassifierModel
from clipx.testing import TEST_VIT, fake_images, tiny_clip
from projects.clip_adapter.clip_adapter import (
    SHAPES_TEMPLATES,
    CLIPAdapterClassifier,
    ResidualAdapter,
    TipAdapterCache,
)

NAMES = ("red circle", "pink heart", "cyan diamond")


def make_model(**kwargs) -> CLIPAdapterClassifier:
    torch.manual_seed(0)
    return CLIPAdapterClassifier(clip=tiny_clip(TEST_VIT), templates=SHAPES_TEMPLATES, **kwargs)


def samples_for(labels, classes=NAMES) -> list[BaseDataElement]:
    return [
        BaseDataElement(metainfo={"classes": classes}, gt_label=int(label), img_id=i)
        for i, label in enumerate(labels)
    ]


def test_without_adapter_or_cache_it_is_clipx_zero_shot():
    model = make_model()
    images = fake_images(4, 32)
    ours = model(list(images), samples_for([0, 1, 2, 0]), mode="predict")
    clipx = ZeroShotClassifierModel(clip=model.clip, templates=SHAPES_TEMPLATES)
    theirs = clipx(list(images), samples_for([0, 1, 2, 0]), mode="predict")
    for a, b in zip(ours, theirs, strict=True):
        assert torch.allclose(a["pred_logits"], b["pred_logits"], atol=1e-5)
        assert (a["gt_label"], a["img_id"]) == (b["gt_label"], b["img_id"])


def test_adapter_width_comes_from_the_backbone_and_ratio_zero_changes_nothing():
    model = make_model(adapter=dict(ratio=0.0))
    assert isinstance(model.adapter, ResidualAdapter) and model.adapter.embed_dim == 32
    images = fake_images(3, 32)
    zero_shot = make_model()
    assert torch.allclose(
        model.classify(images, NAMES), zero_shot.classify(images, NAMES), atol=1e-5
    )


def test_only_the_adapter_trains_and_the_loss_falls():
    model = make_model(adapter=dict(type=ResidualAdapter, ratio=0.5))
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"adapter.fc.0.weight", "adapter.fc.2.weight"}
    images, samples = list(fake_images(6, 32)), samples_for([0, 1, 2, 0, 1, 2])
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        out = model(images, samples, mode="loss")
        optim.zero_grad()
        out["loss"].backward()
        optim.step()
        losses.append(out["loss"].item())
    assert set(out) == {"loss", "acc"}
    assert losses[-1] < 0.7 * losses[0]


def test_cache_adds_to_predictions_but_not_to_the_training_loss():
    model = make_model(
        adapter=dict(ratio=0.2), cache=dict(type=TipAdapterCache, alpha=5.0, beta=3.0)
    )
    images, labels = fake_images(3, 32, seed=1), torch.tensor([0, 1, 2])
    model.fill_cache(images, labels, NAMES)
    embeds = model.clip.encode_image(images)
    plain = model.logits(embeds, NAMES, use_cache=False)
    cached = model(list(images), samples_for(labels), mode="tensor")
    assert torch.allclose(cached - plain, model.cache(embeds, NAMES), atol=1e-5)
    # each image finds itself in the cache: its own class gains alpha * exp(0) = 5 at least
    assert torch.all((cached - plain)[torch.arange(3), labels] >= 5.0 - 1e-4)
    loss = model(list(images), samples_for(labels), mode="loss")["loss"]
    expected = torch.nn.functional.cross_entropy(plain, labels)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_vocabulary_is_a_run_time_input():
    model = make_model(adapter=dict(ratio=0.3))
    images = fake_images(2, 32)
    three = model.classify(images, NAMES)
    two = model.classify(images, [NAMES[2], NAMES[0]])
    assert torch.allclose(two, three[:, [2, 0]], atol=1e-5)
    fixed = make_model(adapter=dict(ratio=0.3), class_names=NAMES[:2])
    assert fixed(list(images), samples_for([0, 1], classes=NAMES), mode="tensor").shape == (2, 2)


def test_errors_say_what_to_do():
    with pytest.raises(RuntimeError, match="nothing to train"):
        make_model()(list(fake_images(2, 32)), samples_for([0, 1]), mode="loss")
    with pytest.raises(RuntimeError, match="has no cache"):
        make_model().fill_cache(fake_images(1, 32), torch.tensor([0]), NAMES)
    with pytest.raises(ValueError, match="gt_label 7 is outside the vocabulary of 3"):
        make_model(adapter=dict())(list(fake_images(1, 32)), samples_for([7]), mode="loss")
    with pytest.raises(ValueError, match="no vocabulary"):
        make_model()(list(fake_images(1, 32)), [BaseDataElement(gt_label=0)], mode="predict")
    with pytest.raises(ValueError, match="mode='train'"):
        make_model()(list(fake_images(1, 32)), samples_for([0]), mode="train")
    with pytest.raises(TypeError, match="single string 'red circle'"):
        make_model(class_names="red circle")
    with pytest.raises(TypeError, match="adapter must be a ResidualAdapter"):
        make_model(adapter=0.2)
