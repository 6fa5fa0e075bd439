"""The training-free detection baseline: every detection is the frozen CLIP's reading of a proposal crop."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from clipx.det import CLIPOnCrops

from .conftest import VILD_CROPS, build_vild, fake_batch

pytestmark = pytest.mark.mm

NAMES = ["circle", "square", "star", "hexagon"]


def _blanked(image: torch.Tensor, box: torch.Tensor, factor: float, size: int) -> torch.Tensor:
    """The whole image at CLIP's size, zero outside ``box`` scaled by ``factor`` (written out here)."""
    x0, y0, x1, y1 = box.tolist()
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * factor / 2, (y1 - y0) * factor / 2
    full = F.interpolate(image[None], size=(size, size), mode="bilinear", antialias=True)[0]
    step = image.shape[-1] / size
    centres = [(k + 0.5) * step for k in range(size)]
    keep = torch.tensor(
        [[cx - hw <= x < cx + hw and cy - hh <= y < cy + hh for x in centres] for y in centres]
    )
    return full * keep


@pytest.mark.parametrize("weight", [0.0, 0.5])
def test_each_detection_scores_the_clip_reading_of_its_blanked_proposal(weight):
    options = {
        "model.objectness_weight": weight,
        "model.test_cfg.rcnn.score_thr": 0.0,
        "model.test_cfg.rcnn.max_per_img": 100,
    }
    model = build_vild(VILD_CROPS, options).eval()
    assert isinstance(model, CLIPOnCrops) and model.embedder.crop_mode == "mask"
    model.set_vocabulary(NAMES)
    data = model.data_preprocessor(fake_batch(model), False)
    with torch.no_grad():
        feats = model.extract_feat(data["inputs"])
        proposals = model.rpn_head.predict(feats, data["data_samples"], rescale=False)
        found = model.predict(data["inputs"], data["data_samples"])
    text = model.clip.embed_classes(NAMES, templates=model.templates)
    size = model.clip.image_size[0]
    checked = 0
    for image, props, sample in zip(data["inputs"], proposals, found, strict=True):
        det = sample.pred_instances
        assert len(det) > 0
        for box, score, label in zip(det.bboxes, det.scores, det.labels, strict=True):
            (row,) = torch.nonzero((props.bboxes == box).all(dim=1))[:1].flatten().tolist()
            crops = torch.stack([_blanked(image, box, f, size) for f in (1.0, 1.5)])
            with torch.no_grad():
                embed = F.normalize(
                    F.normalize(model.clip.encode_image(crops), dim=-1).mean(0), dim=-1
                )
            prob = F.softmax(embed @ text.t() / 0.01, dim=-1)[label]
            expected = prob ** (1 - weight) * props.scores[row] ** weight
            assert score.item() == pytest.approx(expected.item(), rel=1e-3, abs=1e-6)
            checked += 1
    assert checked >= 4


def test_the_vocabulary_is_free_at_test_time():
    model = build_vild(VILD_CROPS, {"model.test_cfg.rcnn.score_thr": 0.0}).eval()
    data = model.data_preprocessor(fake_batch(model), False)
    for names in (NAMES, ["a red thing", "a blue thing"]):
        model.set_vocabulary(names)
        with torch.no_grad():
            found = model.predict(data["inputs"], data["data_samples"])
        labels = torch.cat([s.pred_instances.labels for s in found])
        assert len(labels) and int(labels.max()) < len(names)


def test_inputs_not_normalised_as_clip_are_refused():
    with pytest.raises(ValueError, match=r"mean=\[0\.0, 0\.0, 0\.0\].*clip_det_preprocessor"):
        build_vild(VILD_CROPS, {"model.data_preprocessor.mean": [0.0, 0.0, 0.0]})
    with pytest.raises(ValueError, match="objectness_weight=1.5"):
        build_vild(VILD_CROPS, {"model.objectness_weight": 1.5})
