"""LSegSegmentor: vocabularies at run time, mmseg's predict path, free-label inference."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from clipx.testing import SEG_LABELS, fake_seg_batch, tiny_segmentor

pytest.importorskip("mmseg")

from clipx.seg import draw_overlay, save_mask, segment  # noqa: E402

pytestmark = pytest.mark.mm


def test_vocabulary_swaps_at_inference_without_retraining():
    model = tiny_segmentor("rn").eval()
    data = fake_seg_batch(2, 64, len(SEG_LABELS))
    first = model.test_step(data)
    assert first[0].seg_logits.data.shape == (3, 64, 64)
    model.set_vocabulary(["background", "star", "hexagon", "cross", "vehicle"])
    second = model.test_step(data)
    assert second[0].seg_logits.data.shape == (5, 64, 64)
    assert int(second[0].pred_sem_seg.data.max()) < 5
    assert model.decode_head.num_classes == 5 and model.train_vocabulary.names == tuple(SEG_LABELS)
    # the same label keeps the same logits whatever else is asked for
    torch.testing.assert_close(second[0].seg_logits.data[0], first[0].seg_logits.data[0])


def test_training_uses_the_training_vocabulary():
    model = tiny_segmentor("rn")
    model.set_vocabulary(["a", "b", "c", "d", "e", "f"])
    data = model.data_preprocessor(fake_seg_batch(2, 64, len(SEG_LABELS)), True)
    assert torch.isfinite(model.loss(**data)["decode.loss_ce"])
    assert model._forward(data["inputs"]).shape[1] == len(SEG_LABELS)


def test_vocabulary_is_checked_and_restored():
    model = tiny_segmentor("rn")
    with pytest.raises(TypeError, match="single string"):
        model.set_vocabulary("dog")
    with pytest.raises(ValueError, match="twice"):
        model.set_vocabulary(["dog", "dog"])
    with model.vocabulary_as(["x", "y"]):
        assert model.num_classes == 2
    assert model.vocabulary.names == tuple(SEG_LABELS)


def test_label_embeddings_come_from_the_cached_prompt_bank():
    model = tiny_segmentor("rn").eval()
    bank = model.backbone.prompt_bank
    data = fake_seg_batch(1, 64, len(SEG_LABELS))
    model.test_step(data)
    misses = bank.misses
    model.test_step(data)
    assert bank.misses == misses and bank.hits > 0


def test_segment_with_free_labels_writes_mask_and_overlay(tmp_path):
    model = tiny_segmentor("rn")
    image = np.random.default_rng(0).integers(0, 256, (64, 48, 3), dtype=np.uint8)
    labels = ["background", "pet", "vehicle", "red thing"]
    mask = segment(model, image, labels)
    assert mask.shape == (64, 48) and mask.max() < len(labels)
    save_mask(mask, tmp_path / "mask.png", len(labels))
    assert np.array_equal(np.asarray(Image.open(tmp_path / "mask.png")), mask)
    overlay = draw_overlay(image, mask, labels)
    assert overlay.height >= 256 and overlay.width > overlay.height  # image plus legend


def test_vocabulary_from_a_dataset_class():
    from mmseg.datasets import PascalVOCDataset

    from clipx.seg import LSegHead, LSegSegmentor
    from clipx.testing import tiny_clip

    clip = tiny_clip("clipx-RN-test-64", dense_indices=(3, 4))
    model = LSegSegmentor(
        backbone=clip, decode_head=dict(type=LSegHead), classes_from=PascalVOCDataset
    )
    assert model.vocabulary.names == PascalVOCDataset.METAINFO["classes"]
    with pytest.raises(ValueError, match="not both"):
        LSegSegmentor(
            backbone=clip,
            decode_head=dict(type=LSegHead),
            class_names=["a"],
            classes_from=PascalVOCDataset,
        )
