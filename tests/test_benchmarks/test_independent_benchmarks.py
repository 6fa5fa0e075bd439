"""Each independent benchmark's main, end to end on a tiny random model, one image per cell."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.independent import BACKGROUNDS, RENDERERS, SHAPES, draw_scene
from clipx.testing import TEST_RN, shrink_options, tiny_checkpoint

REPO = Path(__file__).resolve().parents[2]
LSEG = REPO / "configs" / "lseg" / "lseg_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py"
MASKCLIP = REPO / "configs" / "lseg" / "maskclip_rn-tiny-64_shapes-world-64x64.py"
VILD = REPO / "configs" / "vild" / "vild-ensemble_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py"
GLIP = REPO / "configs" / "glip" / "glip_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py"
SEQ = (
    REPO
    / "configs"
    / "clip4clip"
    / "clip4clip_seqtransf_rn-tiny-64_1xb32-4000it_shapes-world-video-motion.py"
)


def runner_checkpoint(config, path) -> list[str]:
    """Save the shrunk config's seeded random model as a runner checkpoint; its ``--cfg-options``."""
    from clipx.apis import init_model

    options = shrink_options(config)
    torch.manual_seed(0)
    model = init_model(config, cfg_options=options)
    torch.save({"meta": {}, "state_dict": model.state_dict()}, path)
    return ["--cfg-options", *(f"{key}={value}" for key, value in options.items())]


def assert_full_grid(
    table: dict, renderers=RENDERERS, backgrounds=BACKGROUNDS, low=0.0, high=100.0
):
    assert list(table["cells"]) == list(backgrounds)
    assert all(list(row) == list(renderers) for row in table["cells"].values())
    assert list(table["renderers"]) == list(renderers) and list(table["backgrounds"]) == list(
        backgrounds
    )
    assert low <= table["overall"] <= high


@pytest.mark.slow
def test_zeroshot_main(benchmark_script, tmp_path, capsys):
    script = benchmark_script("zeroshot_independent_shapes")
    checkpoint = tiny_checkpoint(tmp_path / "clip.pt", TEST_RN)
    out = tmp_path / "zeroshot.json"
    backgrounds = ["flat", "colour_noise_strong"]
    argv = [
        "--model",
        TEST_RN,
        "--checkpoint",
        str(checkpoint),
        "--per-class",
        "1",
        "--json",
        str(out),
    ]
    assert script.main([*argv, "--backgrounds", *backgrounds]) == 0
    printed = capsys.readouterr().out
    assert "216 independently drawn images" in printed and "chance 2.8%" in printed
    payload = json.loads(out.read_text())
    for key in ("top1", "shape", "colour"):
        assert_full_grid(payload[key], backgrounds=backgrounds)
    assert list(payload["per_shape"]) == [*backgrounds, "overall"]
    confused = payload["confusions"]["overall"]
    assert confused and all(
        c["true"] != c["predicted"] for c in confused
    )  # a random model confuses
    with pytest.raises(SystemExit):
        script.main([*argv, "--renderers", "svg"])


def run_dense(load_script, task: str, config, tmp_path, capsys, *extra: str) -> tuple[dict, str]:
    """``dense_independent_shapes.py TASK`` on the shrunk config's random model: its JSON and output."""
    script = load_script("dense_independent_shapes")
    checkpoint, out = tmp_path / f"{task}.pth", tmp_path / f"{task}.json"
    options = runner_checkpoint(config, checkpoint)
    argv = [task, str(config), str(checkpoint), "--json", str(out), *extra, *options]
    assert script.main(argv) == 0
    return json.loads(out.read_text()), capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.mm
def test_seg_main_reports_region_and_per_pixel(benchmark_script, tmp_path, capsys):
    pytest.importorskip("mmseg")
    payload, printed = run_dense(benchmark_script, "seg", LSEG, tmp_path, capsys, "--images", "1")
    assert "LSeg on 21 independently drawn 64-px scenes" in printed
    assert "region re-scoring / per pixel" in printed
    assert payload["region_rescore"].startswith("RegionRescorer(")
    for key in ("base_region", "base_pixel", "chance_base"):
        assert_full_grid(payload["mIoU"][key])
    assert set(payload["per_class_iou"]) == {"region", "pixel"}


@pytest.mark.slow
@pytest.mark.mm
def test_seg_main_runs_a_training_free_config_without_a_checkpoint(
    benchmark_script, tmp_path, capsys
):
    pytest.importorskip("mmseg")
    script = benchmark_script("dense_independent_shapes")
    out = tmp_path / "maskclip.json"
    options = [f"{key}={value}" for key, value in shrink_options(MASKCLIP).items()]
    argv = ["seg", str(MASKCLIP), "--images", "1", "--backgrounds", "flat", "--json", str(out)]
    assert script.main([*argv, "--cfg-options", *options]) == 0
    assert "(no checkpoint: training-free)" in capsys.readouterr().out
    payload = json.loads(out.read_text())
    assert payload["checkpoint"] is None
    assert_full_grid(payload["mIoU"]["base_region"], backgrounds=["flat"])


@pytest.mark.slow
@pytest.mark.mm
def test_det_main(benchmark_script, tmp_path, capsys):
    pytest.importorskip("mmdet")
    backgrounds = ["texture", "clutter"]
    extra = ("--images", "2", "--batch", "3", "--backgrounds", *backgrounds)
    payload, printed = run_dense(benchmark_script, "det", VILD, tmp_path, capsys, *extra)
    assert "ViLD on 12 independently drawn 64-px scenes" in printed
    assert_full_grid(payload["AP50"]["base"], backgrounds=backgrounds)
    assert list(payload["AP50"]["novel"]["cells"]) == backgrounds


@pytest.mark.slow
@pytest.mark.mm
def test_ground_main(benchmark_script, tmp_path, capsys):
    pytest.importorskip("mmdet")
    backgrounds = ["texture", "clutter"]
    extra = ("--images", "2", "--batch", "3", "--backgrounds", *backgrounds)
    payload, printed = run_dense(benchmark_script, "ground", GLIP, tmp_path, capsys, *extra)
    assert f"CLIPGLIP grounding {payload['phrases']} phrases of independently drawn" in printed
    assert payload["phrases"] >= 6  # 12 scenes of 1-3 shapes
    for key in ("all", "novel", "same_shape", "chance_same_shape"):
        assert list(payload["R1"][key]["cells"]) == backgrounds
    assert_full_grid(payload["R1"]["all"], backgrounds=backgrounds)


@pytest.mark.mm
def test_ground_captions_name_each_object_by_colour_and_shape(benchmark_script):
    script = benchmark_script("dense_independent_shapes")
    rng = np.random.default_rng(3)
    scenes = [draw_scene("pil", "flat", 64, rng) for _ in range(8)]
    for scene in scenes:
        caption, spans = script.scene_caption(scene)
        named = [caption[s:e] for ((s, e),) in spans]
        assert named == [f"a {o.colour} {o.shape}" for o in scene.objects]
    assert script._iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(1 / 3)


@pytest.mark.slow
def test_video_main(benchmark_script, tmp_path, capsys):
    script = benchmark_script("video_direction_independent")
    options = runner_checkpoint(SEQ, tmp_path / "seq.pth")
    out = tmp_path / "video.json"
    renderers = ["pil", "vector"]
    argv = [
        str(SEQ),
        str(tmp_path / "seq.pth"),
        "--pairs",
        "1",
        "--frames",
        "4",
        "--json",
        str(out),
    ]
    assert script.main([*argv, "--renderers", *renderers, *options]) == 0
    assert "28 independently drawn clips (14 reversal pairs" in capsys.readouterr().out
    payload = json.loads(out.read_text())
    for key in ("seqTransf", "meanP"):
        assert_full_grid(payload["reversal_accuracy"][key], renderers=renderers)
    assert payload["reversal_accuracy"]["meanP"]["overall"] == 50.0  # order-blind: every pair a tie


def tiny_model_and_scenes(load, config, renderer: str, background: str, options=None):
    """A shipped config's model shrunk and seeded, by ``load``, and three scenes for it."""
    torch.manual_seed(0)
    model = load(config, cfg_options=shrink_options(config) | dict(options or {}))
    rng = np.random.default_rng(0)
    return model, [draw_scene(renderer, background, 64, rng).image for _ in range(3)]


@pytest.mark.mm
def test_batched_segmentation_is_segment_image_by_image(benchmark_script):
    pytest.importorskip("mmseg")
    from clipx.seg import load_segmentor, segment

    script = benchmark_script("dense_independent_shapes")
    model, images = tiny_model_and_scenes(load_segmentor, LSEG, "vector", "texture")
    assert model.region_rescore is not None
    for rescorer in (model.region_rescore, None):
        with script.region_rescore_as(model, rescorer):
            batched = script.segment_batch(model, images, script.SEG_LABELS)
            one_by_one = [segment(model, image, script.SEG_LABELS) for image in images]
        assert all(np.array_equal(a, b) for a, b in zip(batched, one_by_one, strict=True))
    assert model.region_rescore is not None  # restored


@pytest.mark.mm
@pytest.mark.parametrize(
    ("config", "keep_all"),
    [(VILD, "model.test_cfg.rcnn.score_thr"), (GLIP, "model.test_cfg.score_thr")],
    ids=["vild", "glip"],
)
def test_batched_detection_is_detect_image_by_image(benchmark_script, config, keep_all):
    pytest.importorskip("mmdet")
    from clipx.det.inference import detect, load_detector

    script = benchmark_script("dense_independent_shapes")
    # random weights score low: keep every box, so the comparison has boxes to compare
    model, images = tiny_model_and_scenes(
        load_detector, config, "opencv", "clutter", {keep_all: 0.0}
    )
    model.init_weights()
    batched = script.detect_batch(model, images, SHAPES)
    for image, found in zip(images, batched, strict=True):
        alone = detect(model, image, SHAPES, score_thr=0.0)
        assert len(found) == len(alone) > 0
        torch.testing.assert_close(found.bboxes, alone.bboxes, atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(found.scores, alone.scores, atol=1e-5, rtol=1e-4)
        assert torch.equal(found.labels, alone.labels)
