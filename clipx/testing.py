"""Tiny models and fake inputs for tests, in one place."""

from __future__ import annotations

import os
from pathlib import Path

import open_clip
import torch

from clipx.backbone import FrozenCLIP
from clipx.checkpoint import save_clipx_checkpoint

TEST_VIT = "clipx-ViT-test-8-32"  # 32 px, patch 8, width 64, 2 blocks; text width 64, context 16
TEST_RN = "clipx-RN-test-64"  # 64 px ModifiedResNet [1,1,1,1], width 8

FAKE_CAPTIONS = (
    "a small red circle",
    "a large blue square above a green triangle",
    "a yellow star",
    "a purple hexagon left of an orange cross",
)


def tiny_open_clip(model_name: str = TEST_VIT, *, seed: int = 0) -> torch.nn.Module:
    """A randomly initialised open_clip model, the same for the same seed."""
    torch.manual_seed(seed)
    return open_clip.create_model(model_name)


def tiny_checkpoint(path: str | os.PathLike, model_name: str = TEST_VIT, *, seed: int = 0) -> Path:
    """Save a seeded tiny model as a clipx checkpoint and return its path."""
    model = tiny_open_clip(model_name, seed=seed)
    return save_clipx_checkpoint(model, path, model_name=model_name, preprocess_cfg=open_clip.get_model_preprocess_cfg(model))


def tiny_clip(model_name: str = TEST_VIT, *, seed: int = 0, **kwargs) -> FrozenCLIP:
    """A FrozenCLIP around a seeded random tiny model."""
    torch.manual_seed(seed)
    return FrozenCLIP(model_name=model_name, **kwargs)


def fake_images(batch: int = 2, size: int | tuple[int, int] = 32, *, seed: int = 0) -> torch.Tensor:
    """(B, 3, H, W) normalised-looking random images."""
    h, w = (size, size) if isinstance(size, int) else size
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 3, h, w, generator=gen)


def write_fake_pairs(root: str | os.PathLike, num: int = 16, *, size: int = 32, seed: int = 0) -> Path:
    """Random PNG images with captions and their ``filepath,title`` CSV; returns the CSV path."""
    import numpy as np
    from PIL import Image

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = ["filepath,title"]
    for i in range(num):
        Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(root / f"{i}.png")
        rows.append(f"{i}.png,{FAKE_CAPTIONS[i % len(FAKE_CAPTIONS)]} number {i}")
    (root / "pairs.csv").write_text("\n".join(rows) + "\n")
    return root / "pairs.csv"
