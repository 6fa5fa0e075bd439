"""Shapes-world videos: motions, groups, captions, layout, determinism, the CLI."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from clipx.shapes_world import (
    DIRECTIONS,
    VideoWorldConfig,
    clip_caption_variants,
    image_rng,
    render_clip,
    sample_group,
    write_video_split,
)
from clipx.video.data import read_video_captions

from .conftest import NUM_FRAMES, tiny_video_config

REPO = Path(__file__).resolve().parents[2]


def test_objects_move_in_their_direction_and_stay_inside():
    cfg = tiny_video_config()
    for group in range(20):
        for clip in sample_group(cfg, image_rng(0, "t", group), 1):
            for obj, motion in zip(clip.scene.objects, clip.motions, strict=True):
                first, last = np.array(motion.center_at(0.0)), np.array(motion.center_at(1.0))
                step = (last - first) / np.linalg.norm(last - first)
                assert np.allclose(step, DIRECTIONS[motion.direction])
                assert (
                    motion.travel >= 0.3 * 32
                    or motion.travel >= 32 - 2 * (1.1 * obj.radius + 1) - 1e-6
                )
                for point in (first, last):
                    assert np.all(point >= 1.1 * obj.radius) and np.all(
                        point <= 32 - 1.1 * obj.radius
                    )


def test_a_group_shares_its_look_and_pairs_are_time_reversed():
    cfg = tiny_video_config()
    clips = sample_group(cfg, image_rng(0, "t", 3), 4)
    looks = {tuple((o.colour, o.shape, o.size, o.rgb) for o in c.scene.objects) for c in clips}
    assert len(looks) == 1 and len({c.scene.background for c in clips}) == 1
    assert (
        len({tuple(m.direction for m in c.motions) for c in clips}) == 4
    )  # differ only by direction
    forward, backward = (
        render_clip(clips[0], NUM_FRAMES, supersample=2),
        render_clip(clips[1], NUM_FRAMES, supersample=2),
    )
    assert np.array_equal(forward[::-1], backward)  # the same frames in reverse order


def test_captions_name_colour_shape_and_only_motion_captions_name_directions():
    cfg = tiny_video_config()
    clip = sample_group(cfg, image_rng(0, "t", 1), 1)[0]
    static = clip_caption_variants(clip, np.random.default_rng(0), 3, motion=False)
    motion = clip_caption_variants(clip, np.random.default_rng(0), 3, motion=True)
    assert len(set(static)) == 3 and len(set(motion)) == 3
    for obj, m in zip(clip.scene.objects, clip.motions, strict=True):
        assert all(obj.colour in c and obj.shape in c for c in static + motion)
        assert all(m.direction in c for c in motion)
    assert not any(d in c.split() for c in static for d in DIRECTIONS)


def test_written_split_layout_and_determinism(video_set, tmp_path):
    root, written = video_set
    captions = read_video_captions(written["test"]["static_csv"])
    assert list(captions) == [f"test_{i:06d}" for i in range(4)] and all(
        len(c) == 2 for c in captions.values()
    )
    assert all((root / "videos" / f"{v}.mp4").is_file() for v in captions)
    clips = json.loads(Path(written["test"]["clips"]).read_text())
    assert clips[0]["motion"] == read_video_captions(written["test"]["motion_json"])["test_000000"]
    again = write_video_split(tmp_path, "test", 4, tiny_video_config(), progress=False)

    def digest(path):
        return hashlib.sha1(Path(path).read_bytes()).hexdigest()

    assert digest(again["motion_csv"]) == digest(written["test"]["motion_csv"])
    assert "reversal_pairs" not in again  # independent clips have no twins
    assert digest(tmp_path / "videos" / "test_000002.mp4") == digest(
        root / "videos" / "test_000002.mp4"
    )
    other_seed = write_video_split(
        tmp_path / "s1", "test", 4, tiny_video_config(seed=1), progress=False
    )
    assert digest(other_seed["motion_csv"]) != digest(written["test"]["motion_csv"])


def test_config_round_trips():
    cfg = tiny_video_config()
    assert VideoWorldConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    with pytest.raises(ValueError, match="travel"):
        VideoWorldConfig(travel=(0.6, 0.2))


def load_tool():
    spec = importlib.util.spec_from_file_location(
        "gen_video", REPO / "tools" / "generate_shapes_world_video.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_writes_meta_last_and_is_idempotent(tmp_path, capsys):
    tool = load_tool()
    argv = [
        "--out", str(tmp_path), "--num-train", "2", "--num-test", "1", "--num-test-directions", "4",
        "--num-frames", "4", "--image-size", "32", "--workers", "1", "--no-progress",
    ]  # fmt: skip
    assert tool.main(argv) == 0
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["counts"]["test_directions"] == {"clips": 4, "group_size": 4}
    assert len(list((tmp_path / "videos").glob("*.mp4"))) == 7
    stamp = (tmp_path / "videos" / "train_000000.mp4").stat().st_mtime_ns
    assert tool.main(argv) == 0 and "nothing to do" in capsys.readouterr().out
    assert (tmp_path / "videos" / "train_000000.mp4").stat().st_mtime_ns == stamp
    with pytest.raises(SystemExit, match="different config"):
        tool.main([*argv[:-1], "--seed", "3", "--no-progress"])
    outputs = [p for d in ("videos", "annotations") for p in (tmp_path / d).iterdir()]
    meta_stamp = (tmp_path / "meta.json").stat().st_mtime_ns
    assert outputs and all(p.stat().st_mtime_ns <= meta_stamp for p in outputs)


def test_a_run_that_dies_before_the_end_leaves_no_meta(tmp_path, monkeypatch, capsys):
    tool = load_tool()
    argv = [
        "--out", str(tmp_path), "--num-train", "2", "--num-test", "1", "--num-test-directions", "0",
        "--num-frames", "4", "--image-size", "32", "--workers", "1", "--no-progress",
    ]  # fmt: skip
    import clipx.shapes_world.cli as cli  # what the tool runs

    real = cli.write_video_split

    def dies_on_the_test_split(out, name, *args, **kwargs):
        if name == "test":
            raise KeyboardInterrupt  # stopped after the train split was written
        return real(out, name, *args, **kwargs)

    monkeypatch.setattr(cli, "write_video_split", dies_on_the_test_split)
    with pytest.raises(KeyboardInterrupt):
        tool.main(argv)
    assert (tmp_path / "videos" / "train_000000.mp4").is_file()
    assert not (tmp_path / "meta.json").exists()
    monkeypatch.setattr(cli, "write_video_split", real)
    assert tool.main(argv) == 0 and "nothing to do" not in capsys.readouterr().out
    assert (tmp_path / "meta.json").is_file()
    assert len(list((tmp_path / "videos").glob("*.mp4"))) == 3
