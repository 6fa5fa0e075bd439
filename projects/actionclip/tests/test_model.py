"""ActionCLIP: run-time vocabulary, objectives, what trains."""

from __future__ import annotations

import pytest
import torch
from mmengine.structures import BaseDataElement

from clipx.testing import TEST_VIT, tiny_clip
from clipx.video import MeanPooling, TemporalTransformer
from projects.actionclip.actionclip import SHAPE_MOTION_TEMPLATES, ActionCLIP

DIRECTIONS = ("left", "right", "up", "down")
FRAMES = 4


def make_model(aggregator=None, **kwargs) -> ActionCLIP:
    if aggregator is None:
        aggregator = dict(type=TemporalTransformer, num_layers=1, max_frames=FRAMES)
    torch.manual_seed(0)
    return ActionCLIP(
        clip=tiny_clip(TEST_VIT),
        aggregator=aggregator,
        templates=SHAPE_MOTION_TEMPLATES,
        **kwargs,
    )


def fake_clips(batch: int, *, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, FRAMES, 3, 32, 32, generator=gen)


def samples_for(labels, classes=DIRECTIONS) -> list[BaseDataElement]:
    return [
        BaseDataElement(
            metainfo={"classes": classes},
            video_id=f"v{i}",
            gt_label=int(label),
            frame_mask=torch.ones(FRAMES, dtype=torch.bool),
        )
        for i, label in enumerate(labels)
    ]


def test_class_embeds_are_clips_prompt_ensemble_and_cached():
    model = make_model()
    expected = model.clip.embed_classes(DIRECTIONS, templates=SHAPE_MOTION_TEMPLATES)
    assert torch.allclose(model.class_embeds(DIRECTIONS), expected, atol=1e-6)
    assert model.prompt_embeds(DIRECTIONS) is model.prompt_embeds(DIRECTIONS)
    assert model.prompt_embeds(DIRECTIONS).shape == (4, len(SHAPE_MOTION_TEMPLATES), 32)


def test_vocabulary_changes_at_run_time_without_retraining():
    model = make_model().eval()
    clips = fake_clips(3)
    with torch.no_grad():
        four = model.classify(clips, DIRECTIONS)
        two = model.classify(clips, ["down", "up"])
        five = model.classify(clips, [*DIRECTIONS, "in a circle"])
    assert four.shape == (3, 4) and five.shape == (3, 5)
    assert torch.allclose(two, four[:, [3, 2]], atol=1e-5)
    assert torch.allclose(five[:, :4], four, atol=1e-5)
    # predict takes the vocabulary from the data samples
    preds = model(list(clips), samples_for([0, 1, 2], classes=("down", "up")), mode="predict")
    assert torch.allclose(torch.stack([p["pred_logits"] for p in preds]), two, atol=1e-5)
    assert [p["img_id"] for p in preds] == ["v0", "v1", "v2"] and preds[2]["gt_label"] == 2


@pytest.mark.parametrize("objective", ["kl", "ce"])
def test_loss_trains_the_temporal_module_and_temperature_only(objective):
    model = make_model(objective=objective).train()
    out = model(list(fake_clips(4)), samples_for([0, 1, 2, 2]), mode="loss")
    assert set(out) == {"loss", "logit_scale", "acc"} and out["loss"].requires_grad
    out["loss"].backward()
    grads = [p.grad for p in model.aggregator.parameters()]
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads)
    assert model.log_logit_scale.grad is not None
    assert not any(p.requires_grad for p in model.clip.parameters())


def test_actionclip_fits_a_batch_whose_labels_only_frame_order_tells():
    # the same frames forward (label 0, "left") and reversed (label 1, "right"):
    # the order-blind meanP cannot separate them, the temporal transformer learns to
    frames = fake_clips(4, seed=1)
    clips = torch.cat([frames, frames.flip(1)])
    mask = torch.ones(8, FRAMES, dtype=torch.bool)
    samples = samples_for([0] * 4 + [1] * 4, classes=("left", "right"))
    for aggregator, learns in ((dict(type=MeanPooling), False), (None, True)):
        model = make_model(aggregator=aggregator, objective="ce").train()
        # the backbone is frozen: encode the frames once, train what follows them
        embeds = model.clip.encode_image(clips.flatten(0, 1)).unflatten(0, (8, FRAMES))
        optim = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=5e-3)
        for _ in range(40):
            loss = model.loss(model.aggregator(embeds, mask), samples)["loss"]
            optim.zero_grad()
            loss.backward()
            optim.step()
        with torch.no_grad():
            acc = model.eval()(list(clips), samples, mode="loss")["acc"].item()
        assert (acc == 100.0) if learns else (acc == 50.0), (aggregator, acc)


def test_errors_name_the_bad_value():
    with pytest.raises(ValueError, match="objective='contrastive'"):
        make_model(objective="contrastive")
    with pytest.raises(TypeError, match="single string 'left'"):
        make_model(class_names="left")
    model = make_model()
    with pytest.raises(ValueError, match="no vocabulary"):
        model(
            list(fake_clips(1)),
            [BaseDataElement(video_id="v", gt_label=0, frame_mask=torch.ones(FRAMES, dtype=bool))],
            mode="predict",
        )
    with pytest.raises(ValueError, match="gt_label 5 is outside the vocabulary of 4"):
        model(list(fake_clips(2)), samples_for([0, 5]), mode="loss")
    with pytest.raises(KeyError, match="gt_label"):
        model(
            list(fake_clips(1)),
            [
                BaseDataElement(
                    metainfo={"classes": DIRECTIONS}, frame_mask=torch.ones(FRAMES, dtype=bool)
                )
            ],
            mode="loss",
        )
    fixed = make_model(class_names=["up", "down"])
    assert fixed.vocabulary(samples_for([0])).names == ("up", "down")
