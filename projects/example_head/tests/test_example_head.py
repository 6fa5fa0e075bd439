"""The example head of projects/README.md, built from its shipped config (shrunk to a tiny backbone)."""

from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.structures import BaseDataElement

from clipx.apis import init_model
from clipx.testing import fake_images, shrink_options, trainable_without_gradient

CONFIG = Path(__file__).parents[1] / "configs" / "patch-pool_rn-tiny-64_shapes-world.py"
TINY = shrink_options(CONFIG)
NAMES = ["red circle", "blue square", "green star"]


def samples(labels):
    return [BaseDataElement(gt_label=label, img_id=i, metainfo={"classes": NAMES}) for i, label in enumerate(labels)]


def test_the_config_builds_the_head_with_its_declared_channels():
    model = init_model(Config.fromfile(CONFIG), cfg_options=TINY)
    assert model.attend.in_channels == model.clip.dense_spec()[-1].channels


def test_one_training_step_reaches_every_trainable_parameter_and_only_those():
    model = init_model(CONFIG, cfg_options=TINY)
    model.train()
    loss = model(fake_images(3, 64), samples([0, 1, 2]), mode="loss")["loss"]
    loss.backward()
    assert any(p.requires_grad for p in model.parameters())
    assert trainable_without_gradient(model) == []
    assert not model.clip.has_trainable_parameters


def test_untrained_head_is_the_mean_of_the_dense_embeddings_and_the_vocabulary_changes():
    model = init_model(CONFIG, cfg_options=TINY)
    images = fake_images(2, 64)
    dense = model.clip.forward_dense(images)
    mean = torch.nn.functional.normalize(dense.embeds.flatten(2).mean(-1), dim=-1)
    assert torch.allclose(model.embed(images), mean, atol=1e-5)
    out = model(images, samples([2, 0]), mode="predict")
    assert out[0]["pred_logits"].shape == (3,) and out[0]["gt_label"] == 2
    other = [BaseDataElement(metainfo={"classes": ["cross", "heart"]})] * 2
    assert model(images, other, mode="tensor").shape == (2, 2)
