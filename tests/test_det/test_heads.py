"""ViLD's classifier head, vocabulary swap, distillation loss and ensemble formula."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from clipx.det import ViLDBBoxHead, ViLDRoIHead, distill_loss, ensemble_scores, text_logits

from .conftest import VILD, VILD_2HEAD, VILD_ENSEMBLE, VILD_TEXT, build_vild, fake_batch

pytestmark = pytest.mark.mm


def _head(**kwargs) -> ViLDBBoxHead:
    torch.manual_seed(0)
    return ViLDBBoxHead(embed_dim=8, in_channels=4, roi_feat_size=3, fc_out_channels=16, **kwargs)


def test_text_classifier_scores_regions_against_text_and_a_learnable_background():
    head = _head(temperature=0.01)
    feats = torch.randn(5, 4, 3, 3)
    text = F.normalize(torch.randn(3, 8), dim=-1)
    cls_score, bbox_pred = head(feats, text)

    region = F.normalize(head.text_embed(feats), dim=-1)
    classes = torch.cat([text, F.normalize(head.background, dim=-1)[None]])
    torch.testing.assert_close(cls_score, region @ classes.t() / 0.01)
    assert cls_score.shape == (5, 4) and cls_score.abs().max() <= 100.0 + 1e-4  # |cos| / 0.01
    assert head.background.requires_grad
    # class-agnostic regression: 4 deltas per region whatever the vocabulary
    assert bbox_pred.shape == (5, 4)
    _, bbox_pred_7 = head(feats, F.normalize(torch.randn(7, 8), dim=-1))
    torch.testing.assert_close(bbox_pred, bbox_pred_7)


def test_temperature_scales_the_logits():
    feats = torch.randn(2, 4, 3, 3)
    text = F.normalize(torch.randn(3, 8), dim=-1)
    sharp, _ = _head(temperature=0.01)(feats, text)
    soft, _ = _head(temperature=0.1)(feats, text)
    torch.testing.assert_close(sharp, soft * 10)


def test_text_logits_normalise_inputs():
    logits = text_logits(torch.tensor([[3.0, 0.0]]), torch.eye(2), torch.tensor([0.0, -2.0]), 0.5)
    torch.testing.assert_close(logits, torch.tensor([[2.0, 0.0, 0.0]]))


def test_per_class_regression_is_refused():
    with pytest.raises(ValueError, match="class-agnostic"):
        _head(reg_class_agnostic=False)


def test_ensemble_needs_the_image_head():
    with pytest.raises(ValueError, match="image_head=True"):
        build_vild(VILD_TEXT, {"model.roi_head.ensemble": True})


def test_vocabulary_swaps_without_retraining():
    model = build_vild(VILD_TEXT).eval()
    before = {k: v.clone() for k, v in model.state_dict().items() if isinstance(v, torch.Tensor)}
    model.set_training_vocabulary(["circle", "square", "triangle"])
    data = model.data_preprocessor(fake_batch(model), False)

    model.set_vocabulary(["star", "hexagon"])
    assert model.vocabulary.names == ("star", "hexagon") and not model.is_base.any()
    expected = model.clip.embed_classes(["star", "hexagon"], templates=model.templates)
    torch.testing.assert_close(model.text_embeds, expected)
    with torch.no_grad():
        two = model.predict(data["inputs"], data["data_samples"])
    assert all(int(s.pred_instances.labels.max()) < 2 for s in two if len(s.pred_instances))

    names = ["circle", "square", "star", "hexagon", "cross"]
    model.set_vocabulary(names)
    assert model.is_base.tolist() == [True, True, False, False, False]
    with torch.no_grad():
        five = model.predict(data["inputs"], data["data_samples"])
    assert all(int(s.pred_instances.labels.max()) < 5 for s in five if len(s.pred_instances))
    with torch.no_grad():
        cls_score, bbox_pred = model._forward(data["inputs"], data["data_samples"])
    assert cls_score.shape[1] == 6 and bbox_pred.shape[1] == 4  # 5 names + background
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_training_vocabulary_travels_with_the_weights():
    model = build_vild(VILD_TEXT)
    model.set_training_vocabulary(["circle", "square"])
    fresh = build_vild(VILD_TEXT)
    fresh.load_state_dict(model.state_dict())
    assert fresh.base_class_names == ("circle", "square")


def test_no_vocabulary_says_how_to_set_one():
    model = build_vild(VILD_TEXT)
    data = model.data_preprocessor(fake_batch(model), True)
    with pytest.raises(RuntimeError, match="VocabularyHook"):
        model.loss(data["inputs"], data["data_samples"])


def test_distill_loss_is_l1_between_normalised_embeddings():
    a = torch.tensor([[2.0, 0.0], [0.0, 3.0]])
    b = torch.tensor([[0.0, 1.0], [0.0, 1.0]])
    # row 1: |1-0| + |0-1| = 2; row 2: 0 -> mean 1
    torch.testing.assert_close(distill_loss(a, b), torch.tensor(1.0))
    empty = torch.zeros(0, 2, requires_grad=True)
    loss = distill_loss(empty, torch.zeros(0, 2))
    loss.backward()
    assert loss.item() == 0.0


def test_distillation_joins_the_loss_with_its_weight():
    model = build_vild(VILD_ENSEMBLE)
    model.set_training_vocabulary(["circle", "square", "triangle"])
    data = model.data_preprocessor(fake_batch(model, regions=4), True)
    losses = model.loss(data["inputs"], data["data_samples"])
    assert {"loss_cls", "loss_bbox", "loss_rpn_cls", "loss_distill"} <= set(losses)

    roi: ViLDRoIHead = model.roi_head
    x = model.extract_feat(data["inputs"])
    regions = [s.distill_regions for s in data["data_samples"]]
    from mmdet.structures.bbox import bbox2roi

    feats = roi.bbox_roi_extractor(
        x[: roi.bbox_roi_extractor.num_inputs], bbox2roi([r.bboxes for r in regions])
    )
    assert roi.distill_weight == 0.5
    expected = 0.5 * distill_loss(
        roi.bbox_head.image_embed(feats), torch.cat([r.embeds for r in regions])
    )
    torch.testing.assert_close(losses["loss_distill"], expected)
    losses["loss_distill"].backward()
    assert roi.bbox_head.image_branch[-1].weight.grad is not None
    assert roi.bbox_head.text_proj.weight.grad is None  # ViLD-ensemble: separate heads


def test_both_branches_can_be_distilled():
    model = build_vild(VILD_2HEAD)
    model.set_training_vocabulary(["circle", "square", "triangle"])
    data = model.data_preprocessor(fake_batch(model, regions=4), True)
    losses = model.loss(data["inputs"], data["data_samples"])
    assert {"loss_distill", "loss_distill_text"} <= set(losses)
    losses["loss_distill_text"].backward()
    assert model.roi_head.bbox_head.text_proj.weight.grad is not None
    assert model.roi_head.bbox_head.image_branch[-1].weight.grad is None
    with pytest.raises(ValueError, match="distill_branches"):
        build_vild(VILD_TEXT, {"model.roi_head.distill_branches": ["clip"]})


def test_missing_regions_explain_the_pipeline():
    model = build_vild(VILD)
    model.set_training_vocabulary(["circle", "square", "triangle"])
    data = model.data_preprocessor(fake_batch(model), True)
    with pytest.raises(ValueError, match="LoadRegionEmbeddings"):
        model.loss(data["inputs"], data["data_samples"])


def test_ensemble_is_the_weighted_geometric_mean():
    text = torch.tensor([[0.8, 0.1, 0.6]])
    image = torch.tensor([[0.2, 0.5, 0.3]])
    is_base = torch.tensor([True, False, True])
    out = ensemble_scores(text, image, is_base)
    expected = torch.tensor(
        [
            [
                0.8 ** (2 / 3) * 0.2 ** (1 / 3),
                0.5 ** (2 / 3) * 0.1 ** (1 / 3),
                0.6 ** (2 / 3) * 0.3 ** (1 / 3),
            ]
        ]
    )
    torch.testing.assert_close(out, expected)
    # the exponent is configurable: 1 trusts text for base and image for novel alone
    torch.testing.assert_close(
        ensemble_scores(text, image, is_base, 1.0), torch.tensor([[0.8, 0.5, 0.6]])
    )
    with pytest.raises(ValueError):
        ensemble_scores(text, image, is_base, 1.5)


def test_ensemble_scores_in_the_roi_head():
    model = build_vild(VILD_ENSEMBLE).eval()
    model.set_training_vocabulary(["circle", "square"])
    model.set_vocabulary(["circle", "square", "star"])
    roi = model.roi_head
    size = roi.bbox_head.roi_feat_size
    feats = torch.randn(4, roi.bbox_roi_extractor.out_channels, *size)
    with torch.no_grad():
        cls_score, _ = roi.bbox_head(feats, model.text_embeds)
        scores = roi.class_scores(feats, cls_score, model.text_embeds, model.is_base)
        text = F.softmax(cls_score, dim=-1)
        image = F.softmax(
            F.normalize(roi.bbox_head.image_embed(feats), dim=-1)
            @ model.text_embeds.t()
            / roi.image_temperature,
            -1,
        )
    torch.testing.assert_close(scores[:, :-1], ensemble_scores(text[:, :-1], image, model.is_base))
    torch.testing.assert_close(scores[:, -1], text[:, -1])


def test_per_class_detections_rescale_to_the_original_image_and_never_label_background():
    from mmengine.config import ConfigDict

    from clipx.det.roi_head import per_class_detections

    boxes = torch.tensor([[0.0, 0.0, 20.0, 20.0], [40.0, 40.0, 60.0, 64.0], [1.0, 1.0, 19.0, 19.0]])
    # classes 0 and 1, then background (last column), which is the best score of the third box
    scores = torch.tensor([[0.9, 0.04, 0.06], [0.04, 0.7, 0.26], [0.02, 0.03, 0.95]])
    cfg = ConfigDict(score_thr=0.05, nms=dict(type="nms", iou_threshold=0.5), max_per_img=10)
    meta = dict(scale_factor=(2.0, 2.0))
    found = per_class_detections(boxes, scores, meta, True, cfg)
    # the third box is above the threshold only as background, which is never a label
    assert sorted(found.labels.tolist()) == [0, 1]
    first = found.bboxes[found.labels == 0][0]
    torch.testing.assert_close(first, boxes[0] / 2)
    kept = per_class_detections(boxes, scores, meta, False, cfg)
    torch.testing.assert_close(kept.bboxes[kept.labels == 1][0], boxes[1])
    assert found.scores.max().item() == pytest.approx(0.9)
