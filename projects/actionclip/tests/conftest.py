"""Shared fixtures: tiny generated clips; CPU, offline, two threads (as the repository's tests)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import torch

# `projects` is imported as a namespace package from the repository root, which
# `python -m pytest` puts on sys.path and the `pytest` script does not.
REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch.set_num_threads(2)

NUM_FRAMES = 8  # frames per generated clip


@pytest.fixture(scope="session")
def clip_set(tmp_path_factory):
    """8 tiny shapes-world training clips in direction groups of 4: ``(root, written paths)``."""
    from clipx.shapes_world import ShapesWorldConfig, VideoWorldConfig, write_video_split

    root = tmp_path_factory.mktemp("actionclip_clips")
    world = ShapesWorldConfig(image_size=32, max_objects=1, supersample=2, seed=0)
    cfg = VideoWorldConfig(world=world, num_frames=NUM_FRAMES, fps=8, captions_per_video=1)
    written = write_video_split(root, "train", 8, cfg, group_size=4, progress=False)
    return root, written
