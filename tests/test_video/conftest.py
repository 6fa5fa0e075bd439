"""Tiny generated clips shared by the video tests (written once per session)."""

from __future__ import annotations

import pytest

from clipx.shapes_world import ShapesWorldConfig, VideoWorldConfig, write_video_split

NUM_FRAMES = 8  # frames per generated clip
FPS = 8


def tiny_video_config(seed: int = 0) -> VideoWorldConfig:
    world = ShapesWorldConfig(image_size=32, max_objects=2, supersample=2, seed=seed)
    return VideoWorldConfig(world=world, num_frames=NUM_FRAMES, fps=FPS, captions_per_video=2)


@pytest.fixture(scope="session")
def video_set(tmp_path_factory):
    """4 independent test clips and 4 training clips: ``(root, written paths by split)``."""
    root = tmp_path_factory.mktemp("shapes_world_video")
    cfg = tiny_video_config()
    written = {
        split: write_video_split(root, split, 4, cfg, progress=False) for split in ("test", "train")
    }
    return root, written
