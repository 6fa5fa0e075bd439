"""load_detector / load_segmentor: init_model on shipped configs, with a check of the model type."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("mmdet")
pytest.importorskip("mmseg")

from clipx.det import ViLD, load_detector  # noqa: E402
from clipx.seg import LSegSegmentor, load_segmentor  # noqa: E402
from clipx.testing import TEST_RN, TEST_VIT  # noqa: E402

pytestmark = pytest.mark.mm

REPO = Path(__file__).resolve().parents[2]
VILD = REPO / "configs" / "vild" / "vild-text_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py"
LSEG = REPO / "configs" / "lseg" / "lseg_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py"
ACTIONCLIP = (
    REPO / "projects" / "actionclip" / "configs"
    / "actionclip_meanp_rn-tiny-64_shapes-world-video-direction.py"
)  # fmt: skip


def test_load_detector_builds_a_shipped_vild_config():
    options = {"model.clip.model_name": TEST_RN, "model.clip.checkpoint": None}
    model = load_detector(VILD, cfg_options=options)
    assert isinstance(model, ViLD) and not model.training
    assert model.cfg.filename == str(VILD)
    assert model.cfg.test_dataloader.dataset.pipeline  # what detect() runs


def test_load_segmentor_builds_a_shipped_lseg_config():
    options = {"model.backbone.model_name": TEST_RN, "model.backbone.checkpoint": None}
    model = load_segmentor(LSEG, cfg_options=options)
    assert isinstance(model, LSegSegmentor) and not model.training
    assert model.cfg.model.backbone.model_name == TEST_RN


def test_load_detector_reads_a_project_config_and_names_what_it_builds():
    options = {"model.clip.model_name": TEST_VIT, "model.clip.checkpoint": None}
    with pytest.raises(TypeError) as caught:
        load_detector(ACTIONCLIP, cfg_options=options)
    assert f"Config '{ACTIONCLIP}' builds a ActionCLIP, not a ViLD" in str(caught.value)
    assert (
        "pass a config from configs/vild/ or configs/glip/, or load other models with clipx.apis.init_model"
        in (str(caught.value))
    )


def test_load_segmentor_refuses_a_detector_config():
    options = {"model.clip.model_name": TEST_RN, "model.clip.checkpoint": None}
    with pytest.raises(TypeError, match=r"builds a ViLD, not a LSegSegmentor: pass a config from "
                       r"configs/lseg/"):  # fmt: skip
        load_segmentor(VILD, cfg_options=options)
