"""Region re-scoring: segments from the decoder, names from CLIP's view of each segment."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("scipy")
from clipx.seg.regions import RegionRescorer  # noqa: E402

NAMES = ("background", "circle", "square", "star")
TRAIN = ("background", "circle", "square")


class ColourCLIP:
    """A stand-in CLIP whose image embedding says which channel is brightest in the crop."""

    image_size = (16, 16)
    logit_scale = torch.tensor(100.0)

    def encode_image(self, images):
        # label order of the text embeddings below: circle, square, star = channels 0, 1, 2
        return torch.nn.functional.one_hot(images.sum(dim=(2, 3)).argmax(dim=1), 3).float()


TEXT = torch.cat([torch.zeros(1, 3), torch.eye(3)])  # background, circle, square, star


def _scene():
    """One image: a blue (channel 2 = star) blob the decoder calls a circle, elsewhere background."""
    images = torch.zeros(1, 3, 16, 16)
    images[0, 2, 4:9, 4:9] = 1.0
    logits = torch.zeros(1, 4, 16, 16)
    logits[0, 0] = 5.0  # background everywhere
    logits[0, 0, 4:9, 4:9] = 0.0
    logits[0, 1, 4:9, 4:9] = 6.0  # ... but a circle on the blob
    return logits, images


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
