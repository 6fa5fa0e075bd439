"""Cached frame embeddings: precompute, resume, checks, and training on them equals training on clips."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.runner import Runner

from clipx.apis import read_config
from clipx.backbone import FrozenCLIP
from clipx.backbone.feature_cache import backbone_identity
from clipx.data.classification import clip_eval_transform
from clipx.testing import TEST_RN, TEST_VIT, shrink_options, tiny_checkpoint
from clipx.video import CLIP4Clip, VideoFeaturePairs, VideoTextPairs, precompute_frame_embeds
from clipx.video.features import load_frame_features

REPO = Path(__file__).resolve().parents[2]
NUM_FRAMES = 6


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> str:
    return str(tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny.pt"))


def clip_cfg(ckpt: str) -> dict:
    return dict(type="FrozenCLIP", model_name=TEST_VIT, checkpoint=ckpt)


def source_cfg(root: Path, ann: Path, ckpt: str, **kwargs) -> dict:
    return dict(
        type="VideoTextPairs",
        ann_file=str(ann),
        video_root=str(root / "videos"),
        transform=dict(type="clip_eval_transform", clip=clip_cfg(ckpt)),
        num_frames=NUM_FRAMES,
        **kwargs,
    )


def videos_of(source: dict) -> VideoTextPairs:
    kwargs = {k: v for k, v in source.items() if k not in ("type", "transform")}
    clip = FrozenCLIP(model_name=TEST_VIT, checkpoint=source["transform"]["clip"]["checkpoint"])
    return VideoTextPairs(
        **dict(kwargs, on_error="empty"), transform=clip_eval_transform(clip=clip)
    )


def precompute(source: dict, out: Path, **kwargs) -> dict:
    clip = FrozenCLIP(model_name=TEST_VIT, checkpoint=source["transform"]["clip"]["checkpoint"])
    return precompute_frame_embeds(
        clip, videos_of(source), out, batch_size=2, num_workers=0, progress=False, **kwargs
    )


def test_cached_frames_equal_the_decoded_path(video_set, ckpt, tmp_path):
    root, written = video_set
    source = source_cfg(root, written["train"]["motion_json"], ckpt)
    result = precompute(source, tmp_path / "frames", shard_size=3)
    assert result["num_videos"] == result["encoded"] == 4 and result["num_unreadable"] == 0
    assert sorted(p.name for p in (tmp_path / "frames").glob("shard_*.pt")) == [
        "shard_00000.pt",
        "shard_00001.pt",
    ]

    dataset = VideoFeaturePairs(feature_dir=tmp_path / "frames", source=source, clip=clip_cfg(ckpt))
    model = CLIP4Clip(
        clip=clip_cfg(ckpt), aggregator=dict(type="TemporalTransformer", num_layers=1, max_frames=6)
    )
    videos = videos_of(source)
    for i in range(4):
        item = dataset[i]
        clip, mask, error = videos.read_clip(i)
        assert error is None and item["data_samples"].video_id == videos.video_ids[i]
        assert torch.equal(item["data_samples"].frame_mask, mask)
        assert item["data_samples"].text in videos.captions[i]
        decoded = model.encode_video(clip[None], mask[None])
        cached = model.aggregate_frames(item["inputs"][None], item["data_samples"].frame_mask[None])
        torch.testing.assert_close(cached, decoded, atol=1e-5, rtol=1e-5)


def test_precompute_resumes_and_refuses_another_backbone(video_set, ckpt, tmp_path):
    root, written = video_set
    source = source_cfg(root, written["train"]["motion_json"], ckpt)
    out = tmp_path / "frames"
    precompute(source, out, shard_size=2)
    (out / "shard_00001.pt").unlink()  # as if stopped after the first shard
    first = (out / "shard_00000.pt").stat().st_mtime_ns
    again = precompute(source, out, shard_size=2)
    assert again["encoded"] == 2 and (out / "shard_00000.pt").stat().st_mtime_ns == first
    assert len(load_frame_features(out)["video_ids"]) == 4

    other = str(tiny_checkpoint(tmp_path / "other.pt", seed=1))
    with pytest.raises(ValueError, match="backbone") as err:
        VideoFeaturePairs(feature_dir=out, source=source, clip=clip_cfg(other))
    assert "video_precompute.py" in str(err.value)
    with pytest.raises(ValueError, match="num_frames"):
        VideoFeaturePairs(feature_dir=out, source=dict(source, num_frames=4), clip=clip_cfg(ckpt))
    with pytest.raises(ValueError, match="backbone"):  # resuming into it with another backbone
        precompute(source_cfg(root, written["train"]["motion_json"], other), out, shard_size=2)
    (out / "shard_00001.pt").unlink()
    with pytest.raises(FileNotFoundError, match="1 of 2 shards missing"):
        VideoFeaturePairs(feature_dir=out, source=source, clip=clip_cfg(ckpt))
    with pytest.raises(FileNotFoundError, match="video_precompute.py"):
        VideoFeaturePairs(feature_dir=tmp_path / "none", source=source, clip=clip_cfg(ckpt))


def test_random_backbone_cannot_be_cached():
    with pytest.raises(ValueError, match="random weights"):
        backbone_identity(dict(model_name=TEST_VIT))


def test_unreadable_videos_are_recorded_and_dropped(video_set, ckpt, tmp_path, caplog_mm):
    root, written = video_set
    shutil.copytree(root / "videos", tmp_path / "videos")
    (tmp_path / "videos" / "train_000001.mp4").write_bytes(b"not a video")
    (tmp_path / "videos" / "train_000002.mp4").unlink()
    source = source_cfg(tmp_path, written["train"]["motion_json"], ckpt)
    result = precompute(source, tmp_path / "frames")
    assert result["num_unreadable"] == 2 and result["num_videos"] == 4
    dataset = VideoFeaturePairs(feature_dir=tmp_path / "frames", source=source, clip=clip_cfg(ckpt))
    assert dataset.video_ids == ["train_000000", "train_000003"]
    assert dataset.metainfo["dropped_video_ids"] == ("train_000001", "train_000002")
    assert "2 videos could not be read" in caplog_mm.text


def test_cached_frames_refuse_a_trainable_image_tower(video_set, ckpt):
    model = CLIP4Clip(clip=dict(clip_cfg(ckpt), unfreeze=dict(last_blocks=1)))
    frames, mask = (
        torch.randn(2, NUM_FRAMES, model.clip.embed_dim),
        torch.ones(2, 6, dtype=torch.bool),
    )
    with pytest.raises(ValueError, match="bypass the image tower"):
        model.aggregate_frames(frames, mask)
    with pytest.raises(ValueError, match="dimension 7"):
        CLIP4Clip(clip=clip_cfg(ckpt)).aggregate_frames(torch.randn(2, 6, 7), mask)


SEQTRANSF = REPO / "configs/clip4clip/clip4clip_seqtransf_rn-tiny-64_1xb32-4000it_shapes-world-video-motion.py"


def seqtransf_options(root: Path, ann: Path, ckpt: str, feature_dir: Path) -> dict:
    """The shipped seqTransf config, shrunk: every CLIP a tiny ResNet with the same weights file
    (so the tool and the runner share the backbone), on the generated clips, 2 iterations."""
    tiny = {
        key: ckpt if key.endswith(".checkpoint") else value
        for key, value in shrink_options(SEQTRANSF).items()
    }
    return tiny | {
        "train_dataloader.batch_size": 4,
        "train_dataloader.dataset.feature_dir": str(feature_dir),
        "train_dataloader.dataset.source.ann_file": str(ann),
        "train_dataloader.dataset.source.video_root": str(root / "videos"),
        "train_dataloader.dataset.source.num_frames": NUM_FRAMES,
        "train_cfg.max_iters": 2,
    }


@pytest.mark.filterwarnings("ignore:.*context of 16 tokens")  # the tiny CLIPs' short context
def test_tool_then_runner_trains_the_shipped_config_on_cached_frames(video_set, tmp_path):
    root, written = video_set
    ckpt = str(tiny_checkpoint(tmp_path / "rn.pt", TEST_RN))
    feature_dir = tmp_path / "frames"
    options = seqtransf_options(root, written["train"]["motion_json"], ckpt, feature_dir)
    tool = subprocess.run(
        [
            sys.executable,
            "tools/video_precompute.py",
            str(SEQTRANSF),
            "--workers",
            "0",
            "--no-progress",
            "--cfg-options",
            *(f"{key}={value}" for key, value in options.items()),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},  # this checkout's clipx, not an installed one
        capture_output=True,
        text=True,
    )
    assert tool.returncode == 0, tool.stderr[-2000:]
    assert "4 videos have frame embeddings" in tool.stdout
    meta = json.loads((feature_dir / "meta.json").read_text())
    assert meta["num_frames"] == NUM_FRAMES and meta["backbone"]["checkpoint"] == str(
        Path(ckpt).resolve()
    )

    cfg = read_config(SEQTRANSF, cfg_options=options)
    cfg.work_dir, cfg.log_level = str(tmp_path / "work"), "WARNING"
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None  # validation reads the full set
    runner = Runner.from_cfg(cfg)
    before = [p.detach().clone() for p in runner.model.aggregator.parameters()]
    runner.train()
    after = list(runner.model.aggregator.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(after, before, strict=True))
