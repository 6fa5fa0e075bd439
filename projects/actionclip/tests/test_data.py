"""VideoClassificationDataset and its annotation readers."""

from __future__ import annotations

import json

import pytest
import torch

from clipx.testing import TEST_VIT, tiny_clip
from projects.actionclip.actionclip import VideoClassificationDataset, read_video_labels

DIRECTIONS = ("left", "right", "up", "down")


def test_json_objects_give_a_label_only_when_they_agree(tmp_path):
    records = [
        {"video_id": "a", "objects": [{"direction": "left"}]},
        {"video_id": "b", "objects": [{"direction": "up"}, {"direction": "up"}]},
        {"video_id": "c", "objects": [{"direction": "up"}, {"direction": "left"}]},
        {"video_id": "d", "direction": "down", "objects": [{"direction": "up"}]},
    ]
    path = tmp_path / "clips.json"
    path.write_text(json.dumps(records))
    labels, ambiguous = read_video_labels(path, label_key="direction")
    assert labels == {"a": "left", "b": "up", "d": "down"}  # a record's own field wins
    assert ambiguous == ["c"]


def test_csv_labels_and_errors_name_the_problem(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("label,youtube_id\nabseiling,x1\nskiing,x2\n")
    labels, ambiguous = read_video_labels(path, video_column="youtube_id")
    assert labels == {"x1": "abseiling", "x2": "skiing"} and ambiguous == []
    with pytest.raises(ValueError, match="no column"):
        read_video_labels(path, video_column="video_id")
    bad = tmp_path / "clips.json"
    bad.write_text(json.dumps([{"video_id": "a", "objects": [{"colour": "red"}]}]))
    with pytest.raises(ValueError, match="'direction'"):
        read_video_labels(bad, label_key="direction")
    text = tmp_path / "labels.txt"
    text.write_text("x1 abseiling\n")
    with pytest.raises(ValueError, match="neither .json nor .csv"):
        read_video_labels(text)


def test_dataset_items_carry_the_clip_direction(clip_set):
    root, written = clip_set
    clip = tiny_clip(TEST_VIT)
    ds = VideoClassificationDataset(
        ann_file=written["clips"],
        video_root=root / "videos",
        transform=clip.image_transform(),
        classes=DIRECTIONS,
        label_key="direction",
        num_frames=6,
    )
    records = {r["video_id"]: r for r in json.loads(written["clips"].read_text())}
    assert len(ds) == 8 and ds.metainfo["classes"] == DIRECTIONS
    assert sum(ds.metainfo["class_counts"]) == 8 and ds.metainfo["num_ambiguous"] == 0
    item = ds[1]
    sample = item["data_samples"]
    assert item["inputs"].shape == (6, 3, 32, 32) and sample.frame_mask.all()
    direction = records[sample.video_id]["objects"][0]["direction"]
    assert DIRECTIONS[sample.gt_label] == direction
    assert sample.metainfo["classes"] == DIRECTIONS
    # a group holds one look in all four directions
    assert sorted(ds.labels[:4]) == [0, 1, 2, 3]


def test_dataset_rejects_unknown_labels_and_missing_videos(clip_set, tmp_path):
    root, written = clip_set
    transform = tiny_clip(TEST_VIT).image_transform()
    kwargs = dict(ann_file=written["clips"], transform=transform, label_key="direction")
    with pytest.raises(ValueError, match=r"not in classes=\['left', 'right'\]"):
        VideoClassificationDataset(video_root=root / "videos", classes=["left", "right"], **kwargs)
    with pytest.raises(FileNotFoundError, match="8 of the 8 videos"):
        VideoClassificationDataset(video_root=tmp_path, **kwargs)
    with pytest.raises(ValueError, match="num_frames=0"):
        VideoClassificationDataset(video_root=root / "videos", num_frames=0, **kwargs)


def test_default_classes_are_the_sorted_labels(clip_set):
    root, written = clip_set
    ds = VideoClassificationDataset(
        ann_file=written["clips"],
        video_root=root / "videos",
        transform=tiny_clip(TEST_VIT).image_transform(),
        label_key="shape",
        num_frames=2,
    )
    assert list(ds.classes) == sorted(ds.classes)
    assert torch.tensor(ds.labels).max() < len(ds.classes)
