"""Shared fixtures: a tiny few-shot class-folder set; CPU, offline, two threads."""

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

COLOURS = ("red", "pink")
SHAPES = ("circle", "heart")
SPLITS = {"train": 4, "test": 2}


@pytest.fixture(scope="session")
def fewshot_world():
    """The tiny world of :func:`fewshot_root` and its splits: ``(ShapesWorldConfig, splits)``."""
    from clipx.shapes_world import ShapesWorldConfig

    cfg = ShapesWorldConfig(
        image_size=32, colours=COLOURS, shapes=SHAPES, max_objects=1, supersample=2, seed=0
    )
    return cfg, dict(SPLITS)


@pytest.fixture(scope="session")
def fewshot_root(tmp_path_factory, fewshot_world) -> Path:
    """4 classes (red/pink x circle/heart) of 32-px images: 4 train and 2 test images each."""
    from projects.clip_adapter.clip_adapter.shapes_fewshot import write_fewshot_dataset

    root = tmp_path_factory.mktemp("clip_adapter_fewshot")
    write_fewshot_dataset(root, *fewshot_world)
    return root
