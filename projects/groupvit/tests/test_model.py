"""GroupViT built from its shipped config (shrunk to a tiny random CLIP): losses, masks, labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from clipx.apis import init_model
from clipx.seg import MaskRefiner, segment
from clipx.testing import fake_images, fake_seg_batch, shrink_options
from projects.groupvit.groupvit import GroupViT, assignment_information_loss

CONFIG = next((Path(__file__).parents[1] / "configs").glob("groupvit_gs16-4_rn-tiny-64-text_*.py"))
CAPTIONS = [
    "a small red circle above a blue star",
    "a green square",
    "a yellow hexagon",
    "a purple dog",
]


def build(**options) -> GroupViT:
    torch.manual_seed(0)
    return init_model(CONFIG, cfg_options={**shrink_options(CONFIG), **options})


def caption_batch(model: GroupViT) -> dict:
    size = model.backbone.image_size[0]
    return dict(
        inputs=fake_images(len(CAPTIONS), size),
        data_samples={"text": model.backbone.tokenize(CAPTIONS)},
    )


def test_a_caption_batch_trains_the_tower_and_not_the_frozen_text_tower():
    model = build().train()
    data = model.data_preprocessor(caption_batch(model), True)
    losses = model(**data, mode="loss")
    assert set(losses) == {
        "loss_caption",
        "loss_multi_label",
        "logit_scale",
        "acc_noun",
        "groups_used",
    }
    assert 1 <= losses["groups_used"] <= model.image_tower(data["inputs"]).group_embeds.shape[1]
    (losses["loss_caption"] + losses["loss_multi_label"]).backward()
    silent = [n for n, p in model.image_tower.named_parameters() if p.grad is None]
    assert silent == []
    assert model.log_logit_scale.grad is not None and model.log_multi_label_scale.grad is not None
    assert all(p.grad is None for p in model.backbone.parameters())
    assert model.nouns.find(data["data_samples"]["text"]).sum(1).tolist() == [2, 1, 1, 0]


def test_the_group_level_losses_train_every_segment():
    model = build(**{"model.multi_label_on": "groups", "model.group_contrast_weight": 0.5}).train()
    losses = model(**model.data_preprocessor(caption_batch(model), True), mode="loss")
    assert {"loss_multi_label", "loss_group_noun"} <= set(losses)
    (losses["loss_multi_label"] + losses["loss_group_noun"]).backward()
    assert model.image_tower.stages[0].group_tokens.grad.abs().sum() > 0
    info = build(**{"model.assignment_info_weight": 0.5}).train()
    losses = info(**info.data_preprocessor(caption_batch(info), True), mode="loss")
    assert -0.5 <= losses["loss_assign_info"].item() <= 0.0
    losses["loss_assign_info"].backward()
    assert info.image_tower.stages[0].group_tokens.grad.abs().sum() > 0
    # per stage: the first stage only, by hand from the output's soft assignment
    first = build(**{"model.assignment_info_weight": [1.0, 0.0]}).train()
    data = first.data_preprocessor(caption_batch(first), True)
    torch.manual_seed(0)
    losses = first(**data, mode="loss")
    torch.manual_seed(0)
    stage0 = first.image_tower(data["inputs"]).assignments[0]
    expected = assignment_information_loss(stage0) / 2
    assert losses["loss_assign_info"].item() == pytest.approx(expected.item(), rel=1e-5)
    with pytest.raises(ValueError, match="one per stage"):
        build(**{"model.assignment_info_weight": [1.0, 0.0, 1.0]})
    with pytest.raises(ValueError, match="multi_label_on='pixels'"):
        build(**{"model.multi_label_on": "pixels"})


def test_the_segment_labels_train_a_null_cosine_that_is_the_background_threshold():
    model = build(**{"model.group_label_weight": 1.0, "model.background_by": "learned"}).train()
    losses = model(**model.data_preprocessor(caption_batch(model), True), mode="loss")
    losses["loss_group_label"].backward()
    assert model.null_cosine.grad is not None and losses["null_cosine"] == model.null_cosine
    assert model.image_tower.stages[0].group_tokens.grad.abs().sum() > 0
    model.eval()
    background = model.vocabulary.names.index("background")
    with torch.no_grad():
        model.null_cosine.fill_(-1.01)
        assert all((r.pred_sem_seg.data != background).all() for r in predict(model)[0])
        model.null_cosine.fill_(1.01)
        assert all((r.pred_sem_seg.data == background).all() for r in predict(model)[0])
    with pytest.raises(ValueError, match="group_label_weight"):
        build(**{"model.background_by": "learned"})


def test_an_unfrozen_text_tower_trains_with_it():
    model = build(
        **{"model.clip.unfreeze": dict(last_text_blocks=1, names=("text_projection",))}
    ).train()
    losses = model(**model.data_preprocessor(caption_batch(model), True), mode="loss")
    (losses["loss_caption"] + losses["loss_multi_label"]).backward()
    trained = [n for n, p in model.backbone.named_parameters() if p.grad is not None]
    assert trained and all(
        p.requires_grad for n, p in model.backbone.named_parameters() if n in trained
    )


def predict(model: GroupViT, seed: int = 0):
    size = model.backbone.image_size[0]
    batch = fake_seg_batch(2, size, model.num_classes, seed=seed)
    with torch.no_grad():
        return model.eval().test_step(batch), batch


@pytest.mark.parametrize("refine", [None, dict(iterations=3, dilations=(1, 2))])
def test_each_pixel_takes_its_groups_best_label_and_the_threshold_gives_background(refine):
    model = build(
        **{"model.background_by": "probability", "model.bg_threshold": 0.5, "model.refine": refine}
    )
    results, batch = predict(model)
    data = model.data_preprocessor(batch, False)
    size = tuple(data["inputs"].shape[-2:])
    with torch.no_grad():
        output = model.image_tower(data["inputs"])
        groups = model.group_map(output, size, data["inputs"])
        if refine is not None:  # the refined memberships, by hand
            soft = F.interpolate(output.patch_to_group(), size=size, mode="bilinear")
            assert torch.equal(groups, MaskRefiner(**refine)(data["inputs"], soft).argmax(1))
        probabilities, _, foreground = model.group_scores(output)
    background = model.vocabulary.names.index("background")
    for b, result in enumerate(results):
        mask = result.pred_sem_seg.data[0]
        best = probabilities[b].max(-1)
        expected = torch.tensor(foreground)[best.indices][groups[b]]
        expected[best.values[groups[b]] < model.bg_threshold] = background
        assert torch.equal(mask, expected)
    model.bg_threshold = 0.0
    assert all((r.pred_sem_seg.data != background).all() for r in predict(model)[0])
    model.bg_threshold = 1.01
    assert all((r.pred_sem_seg.data == background).all() for r in predict(model)[0])
    model.background_by, model.bg_threshold = "similarity", -1.01
    assert all((r.pred_sem_seg.data != background).all() for r in predict(model)[0])


def test_oracle_background_is_the_ground_truths():
    model = build(**{"model.oracle_background": True})
    results, batch = predict(model)
    for result, sample in zip(results, batch["data_samples"], strict=True):
        gt, mask = sample.gt_sem_seg.data[0], result.pred_sem_seg.data[0]
        labelled = gt != 255
        assert torch.equal((mask == 0)[labelled], (gt == 0)[labelled])
    with pytest.raises(ValueError, match="ground-truth"):
        model.predict(torch.zeros(1, 3, 64, 64), None)


def test_free_labels_through_the_segmentation_inference_api():
    model = build()
    labels = ["background", "circle", "red thing"]
    image = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = segment(model, image, labels)
    assert mask.shape == (64, 64) and set(np.unique(mask)) <= {0, 1, 2}
    assert model.vocabulary.names[0] == "background" and len(model.vocabulary.names) == 7
    no_background = segment(model, image, ["circle", "square"])
    assert set(np.unique(no_background)) <= {0, 1}


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="background='sky'"):
        build(**{"model.background": "sky"})
    with pytest.raises(ValueError, match="background_by"):
        build(**{"model.background_by": "area"})
    model = build()
    with pytest.raises(ValueError, match="caption batches"):
        model.loss(torch.zeros(1, 3, 64, 64), [])


def test_the_segmentation_loader_and_the_group_pictures():
    from clipx.seg import load_segmentor
    from projects.groupvit.groupvit import draw_groups, group_maps

    model = load_segmentor(CONFIG, cfg_options=shrink_options(CONFIG))
    assert isinstance(model, GroupViT)
    image = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    maps = group_maps(model, image)
    assert [m.shape for m in maps["stages"]] == [(64, 64), (64, 64)]
    assert maps["stages"][0].max() < 16 and maps["stages"][1].max() < 4
    assert len(maps["labels"]) == 4 and all(name != "background" for name in maps["labels"])
    picture = draw_groups(image, maps["stages"][1], [f"group {i}" for i in range(4)])
    assert picture.size[0] > 256  # enlarged, with a legend
