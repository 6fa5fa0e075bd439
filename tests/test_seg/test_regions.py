"""Region re-scoring: segments from the decoder, names from CLIP's view of each segment."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("scipy")
from clipx.seg.regions import RegionRescorer  # noqa: E402

NAMES = ("background", "circle", "square", "star")
TRAIN = ("background", "circle", "square")


class ColourCLIP:
    """A stand-in CLIP whose image embedding says which channel is brightest in the crop.

    It records the crops it was given, so tests can check what CLIP saw.
    """

    def __init__(self, image_size=(16, 16), logit_scale=100.0):
        self.image_size = image_size
        self.logit_scale = torch.tensor(logit_scale)
        self.seen = []

    def encode_image(self, images):
        self.seen.append(images.clone())
        # label order of the text embeddings below: circle, square, star = channels 0, 1, 2
        return torch.nn.functional.one_hot(images.sum(dim=(2, 3)).argmax(dim=1), 3).float()


TEXT = torch.cat([torch.zeros(1, 3), torch.eye(3)])  # background, circle, square, star


BLOB = (slice(4, 9), slice(4, 9))
BLOB_LOGITS = (0.0, 6.0, 1.0, -1.0)  # background, circle, square, star on the blob


def _scene(size=16):
    """One image: a blue (channel 2 = star) blob the decoder calls a circle, elsewhere background."""
    images = torch.zeros(1, 3, size, size)
    images[0, 2, BLOB[0], BLOB[1]] = 1.0
    logits = torch.zeros(1, 4, size, size)
    logits[0, 0] = 5.0  # background everywhere
    for c, value in enumerate(BLOB_LOGITS):  # ... but a circle on the blob
        logits[0, c, BLOB[0], BLOB[1]] = value
    return logits, images


def _blend_by_hand(clip_probs, weights, logits=BLOB_LOGITS):
    """ViLD's geometric mean for one segment whose pixels all carry ``logits``, in float64.

    Returns the expected log-probabilities over (background, circle, square, star).
    """
    p = np.exp(np.array(logits, dtype=np.float64))
    p /= p.sum()
    decoder_fg = p[1:] / p[1:].sum()
    combined = np.asarray(clip_probs) ** np.asarray(weights) * decoder_fg ** (
        1 - np.asarray(weights)
    )
    combined /= combined.sum()
    return np.log(np.concatenate([[p[0]], (1 - p[0]) * combined]))


def test_a_segment_takes_the_novel_label_clip_sees():
    logits, images = _scene()
    out = RegionRescorer(dilate=1)(logits, images, ColourCLIP(), TEXT, NAMES, TRAIN)
    labels = out.argmax(dim=1)[0]
    assert (labels[4:9, 4:9] == NAMES.index("star")).all()
    outside = torch.ones(16, 16, dtype=torch.bool)
    outside[4:9, 4:9] = False
    assert (labels[outside] == 0).all()
    # still log-probabilities over the vocabulary
    torch.testing.assert_close(out.exp().sum(dim=1), torch.ones(1, 16, 16))


@pytest.mark.parametrize("base_weight, novel_weight", [(1 / 3, 2 / 3), (0.1, 0.9), (0.8, 0.2)])
def test_the_segment_score_is_the_weighted_geometric_mean(base_weight, novel_weight):
    logits, images = _scene()
    clip = ColourCLIP(logit_scale=2.0)  # soft enough that both factors matter
    rescorer = RegionRescorer(dilate=1, base_weight=base_weight, novel_weight=novel_weight)
    out = rescorer(logits, images, clip, TEXT, NAMES, TRAIN)
    # CLIP sees channel 2 (star): cosines (0, 0, 1) to circle, square, star, times the scale
    clip_probs = np.exp([0.0, 0.0, 2.0]) / np.exp([0.0, 0.0, 2.0]).sum()
    weights = [base_weight, base_weight, novel_weight]  # circle, square trained; star novel
    expected = _blend_by_hand(clip_probs, weights)
    blob = out[0][:, BLOB[0], BLOB[1]].double()
    np.testing.assert_allclose(
        blob.numpy(), np.broadcast_to(expected[:, None, None], blob.shape), atol=1e-5
    )
    # outside the segment the decoder's own log-probabilities stay
    torch.testing.assert_close(out[0, :, 0, 0], logits[0, :, 0, 0].log_softmax(dim=0))


def test_crops_are_resized_to_the_clip_input_size():
    logits, images = _scene()
    clip = ColourCLIP(image_size=(8, 8))
    out = RegionRescorer(dilate=0)(logits, images, clip, TEXT, NAMES, TRAIN)
    (crops,) = clip.seen
    assert crops.shape == (1, 3, 8, 8)
    expected = torch.nn.functional.interpolate(
        images * (logits.softmax(dim=1)[:, :1] < 0.5),
        size=(8, 8),
        mode="bilinear",
        align_corners=False,
    )
    torch.testing.assert_close(crops, expected)
    assert (out.argmax(dim=1)[0][BLOB] == NAMES.index("star")).all()


def test_a_real_frozen_clip_scores_the_segment():
    from clipx.testing import TEST_RN, tiny_clip

    clip = tiny_clip(TEST_RN).eval()  # 64-px input: the 32-px crops are resized
    logits, images = _scene(size=32)
    images = images * 2 - 1  # roughly CLIP-normalised values
    text = clip.encode_text(list(NAMES))
    out = RegionRescorer(dilate=0)(logits, images, clip, text, NAMES, TRAIN)

    mask = torch.zeros(1, 1, 32, 32)
    mask[..., BLOB[0], BLOB[1]] = 1.0
    crop = torch.nn.functional.interpolate(
        images * mask, size=(64, 64), mode="bilinear", align_corners=False
    )
    with torch.no_grad():
        cosines = (clip.encode_image(crop) @ text[1:].T)[0].double()
    clip_probs = torch.softmax(float(clip.logit_scale) * cosines, dim=0).numpy()
    expected = _blend_by_hand(clip_probs, [1 / 3, 1 / 3, 2 / 3])
    np.testing.assert_allclose(out[0, :, 6, 6].double().numpy(), expected, atol=1e-4)


def test_clip_weight_zero_keeps_the_decoders_label():
    logits, images = _scene()
    keep = RegionRescorer(base_weight=0.0, novel_weight=0.0)
    labels = keep(logits, images, ColourCLIP(), TEXT, NAMES, TRAIN).argmax(dim=1)[0]
    assert (labels[4:9, 4:9] == NAMES.index("circle")).all()


def test_without_a_background_label_nothing_changes():
    logits, images = _scene()
    names = ("thing", "circle", "square", "star")
    out = RegionRescorer()(logits, images, ColourCLIP(), TEXT, names, names)
    assert out is logits


def test_small_segments_keep_the_decoders_label():
    logits, images = _scene()
    out = RegionRescorer(min_pixels=26)(logits, images, ColourCLIP(), TEXT, NAMES, TRAIN)
    assert (out.argmax(dim=1)[0, 4:9, 4:9] == NAMES.index("circle")).all()


@pytest.mark.parametrize(
    "kwargs", [dict(fg_threshold=0.0), dict(base_weight=1.5), dict(dilate=-1), dict(min_pixels=0)]
)
def test_bad_settings_are_named(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RegionRescorer(**kwargs)
