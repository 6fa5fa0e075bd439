"""Video decoding, frame sampling, annotations and unreadable videos."""

from __future__ import annotations

import csv
import json
import logging
import shutil

import numpy as np
import pytest
import torch

from clipx.shapes_world import image_rng, render_clip, sample_group
from clipx.testing import TEST_VIT, tiny_clip
from clipx.video import VideoTextDataset, VideoTextPairs
from clipx.video.data import (
    fps_frame_indices,
    read_frames,
    read_video_captions,
    uniform_frame_indices,
)

from .conftest import FPS, NUM_FRAMES, tiny_video_config


@pytest.fixture(scope="module")
def transform():
    return tiny_clip(TEST_VIT).image_transform()


def dataset(root, ann, transform, **kwargs):
    return VideoTextDataset(ann_file=ann, video_root=root / "videos", transform=transform, **kwargs)


def test_decord_reads_a_generated_clip_like_the_rendered_frames(video_set):
    root, _ = video_set
    frames = read_frames(root / "videos" / "test_000000.mp4", num_frames=100)
    assert frames.shape == (NUM_FRAMES, 32, 32, 3) and frames.dtype == np.uint8
    # mp4v is lossy; the decoded clip is close to what was drawn, frame by frame
    drawn = render_clip(
        sample_group(tiny_video_config(), image_rng(0, "video/test", 0), 1)[0],
        NUM_FRAMES,
        supersample=2,
    )
    error = np.abs(frames.astype(float) - drawn.astype(float)).mean(axis=(1, 2, 3))
    assert error.max() < 12.0, error


@pytest.mark.parametrize(
    ("total", "frames", "expected"),
    [
        (10, 4, [0, 3, 6, 9]),
        (11, 4, [0, 3, 7, 10]),  # 3.33 -> 3, 6.67 -> 7
        (5, 12, [0, 1, 2, 3, 4]),  # short clip: every frame
        (12, 12, list(range(12))),
        (100, 1, [0]),
    ],
)
def test_uniform_indices(total, frames, expected):
    assert uniform_frame_indices(total, frames).tolist() == expected


def test_uniform_indices_are_distinct_and_span_the_clip():
    for total in range(1, 60):
        for frames in range(1, 20):
            idx = uniform_frame_indices(total, frames)
            assert len(idx) == min(total, frames) and np.all(np.diff(idx) > 0)
            assert idx[0] == 0 and (frames == 1 or idx[-1] == total - 1)


def test_fps_indices():
    assert fps_frame_indices(24, 8.0, 2.0, 12).tolist() == [0, 4, 8, 12, 16, 20]
    assert fps_frame_indices(100, 30.0, 1.0, 12).tolist() == [0, 30, 60, 90]
    assert fps_frame_indices(24, 8.0, 2.0, 3).tolist() == [
        0,
        12,
        20,
    ]  # 6 at 2 fps, then uniform to 3
    assert fps_frame_indices(5, 8.0, 50.0, 12).tolist() == [0, 1, 2, 3, 4]  # above the video's rate
    assert fps_frame_indices(90, 29.97, 1.0, 12).tolist() == [0, 29, 59, 89]
    with pytest.raises(ValueError, match="frame rate"):
        fps_frame_indices(10, 0.0, 1.0, 4)


def test_items_have_padded_frames_and_a_mask(video_set, transform):
    root, written = video_set
    short = dataset(root, written["test"]["static_csv"], transform, num_frames=12)
    item = short[0]
    clip, sample = item["inputs"], item["data_samples"]
    assert clip.shape == (12, 3, 32, 32)
    assert sample.frame_mask.tolist() == [True] * NUM_FRAMES + [False] * (12 - NUM_FRAMES)
    assert (
        torch.count_nonzero(clip[NUM_FRAMES:]) == 0 and torch.count_nonzero(clip[:NUM_FRAMES]) > 0
    )
    assert sample.video_id == "test_000000" and len(sample.captions) == 2
    assert sample.read_error is None and sample.skipped_ids == []

    uniform = dataset(root, written["test"]["static_csv"], transform, num_frames=3)[0]
    assert uniform["data_samples"].frame_mask.all() and uniform["inputs"].shape[0] == 3
    by_fps = dataset(
        root, written["test"]["static_csv"], transform, num_frames=6, sampling="fps", target_fps=2.0
    )
    mask = by_fps[0]["data_samples"].frame_mask  # NUM_FRAMES=8 at FPS=8 is 1 s: frames 0 and 4
    assert (NUM_FRAMES, FPS) == (8, 8)
    assert mask.tolist() == [True, True, False, False, False, False]


def test_json_csv_and_msrvtt_annotations_agree(video_set, tmp_path):
    root, written = video_set
    from_csv = read_video_captions(written["test"]["motion_csv"])
    assert (
        read_video_captions(written["test"]["motion_json"]) == from_csv
    )  # MSR-VTT {"sentences": [...]}
    records = [{"video_id": v, "captions": c} for v, c in from_csv.items()]
    (tmp_path / "list.json").write_text(json.dumps(records))
    assert read_video_captions(tmp_path / "list.json") == from_csv
    single = [{"video_id": v, "caption": c} for v, cs in from_csv.items() for c in cs]
    (tmp_path / "single.json").write_text(json.dumps(single))
    assert read_video_captions(tmp_path / "single.json") == from_csv
    with open(tmp_path / "custom.tsv", "w", newline="") as f:
        writer = csv.writer(f, delimiter="\t")
        writer.writerow(["vid", "text"])
        writer.writerows([(v, c) for v, cs in from_csv.items() for c in cs])
    custom = read_video_captions(
        tmp_path / "custom.tsv", video_column="vid", caption_column="text", delimiter="\t"
    )
    assert custom == from_csv
    with pytest.raises(ValueError, match="no column"):
        read_video_captions(tmp_path / "custom.tsv", delimiter="\t")


def test_video_list_keeps_only_listed_videos(video_set, transform, tmp_path):
    root, written = video_set
    (tmp_path / "keep.txt").write_text("test_000002\ntest_000000\n")
    ds = dataset(root, written["test"]["static_csv"], transform, video_list=tmp_path / "keep.txt")
    assert ds.video_ids == ["test_000000", "test_000002"]


@pytest.fixture
def broken_set(video_set, tmp_path):
    """The 4 test clips with clip 1 missing and clip 2 corrupt."""
    root, written = video_set
    shutil.copytree(root / "videos", tmp_path / "videos")
    (tmp_path / "videos" / "test_000001.mp4").unlink()
    (tmp_path / "videos" / "test_000002.mp4").write_bytes(
        b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
    )
    return tmp_path, written["test"]["static_csv"]


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_skip_drops_missing_and_corrupt_videos_and_counts_them(broken_set, transform, caplog_mm):
    root, ann = broken_set
    ds = dataset(root, ann, transform, on_error="skip")
    assert ds.video_ids == [
        "test_000000",
        "test_000002",
        "test_000003",
    ]  # missing one dropped up front
    assert ds.metainfo["dropped_video_ids"] == ("test_000001",)
    item = ds[1]  # the corrupt one: the next readable video stands in for it
    assert item["data_samples"].video_id == "test_000003"
    assert item["data_samples"].skipped_ids == ["test_000002"]
    assert ds.num_failed == 2
    logs = warnings_of(caplog_mm)
    assert any("test_000001.mp4" in m and "1 unreadable so far" in m for m in logs)
    assert any("test_000002.mp4" in m and "2 unreadable so far" in m for m in logs)
    ds[1]  # a known bad file is neither decoded nor logged again
    assert len(warnings_of(caplog_mm)) == 2


def test_empty_keeps_unreadable_videos_masked(broken_set, transform, caplog_mm):
    root, ann = broken_set
    ds = dataset(root, ann, transform, on_error="empty", num_frames=4)
    assert len(ds) == 4 and ds.metainfo["dropped_video_ids"] == ()
    for index in (1, 2):
        item = ds[index]
        assert item["data_samples"].video_id == f"test_00000{index}"
        assert not item["data_samples"].frame_mask.any() and item["data_samples"].read_error
        assert item["inputs"].shape == (4, 3, 32, 32) and torch.count_nonzero(item["inputs"]) == 0
    assert ds.num_failed == 2 and len(warnings_of(caplog_mm)) == 2
    assert ds[3]["data_samples"].frame_mask.all()


def test_a_root_without_any_video_is_an_error(video_set, transform, tmp_path):
    _, written = video_set
    with pytest.raises(FileNotFoundError, match="None of the 4 videos"):
        dataset(tmp_path, written["test"]["static_csv"], transform)


def test_training_pairs(video_set, transform):
    root, written = video_set
    kw = dict(
        ann_file=written["train"]["motion_json"],
        video_root=root / "videos",
        transform=transform,
        num_frames=4,
    )
    random_pairs = VideoTextPairs(**kw)
    every = VideoTextPairs(pairing="every_caption", **kw)
    assert len(random_pairs) == 4 and len(every) == sum(len(c) for c in every.captions)
    torch.manual_seed(0)
    for ds in (random_pairs, every):
        for i in range(len(ds)):
            sample = ds[i]["data_samples"]
            assert sample.text in ds.captions[ds.video_ids.index(sample.video_id)]
    assert [every[i]["data_samples"].text for i in range(len(every))] == [
        c for cs in every.captions for c in cs
    ]


def test_a_file_that_breaks_mid_stream_is_caught(video_set, transform, tmp_path):
    root, written = video_set
    shutil.copytree(root / "videos", tmp_path / "videos")
    path = tmp_path / "videos" / "test_000001.mp4"
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    middle = slice(len(data) // 3, 2 * len(data) // 3)
    data[middle] = rng.integers(0, 256, middle.stop - middle.start, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))  # the header is fine, the frames are garbage
    ds = dataset(tmp_path, written["test"]["static_csv"], transform, on_error="empty")
    item = ds[1]
    assert item["data_samples"].read_error and not item["data_samples"].frame_mask.any()
