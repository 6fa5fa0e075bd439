"""Tiny models and fake inputs for tests, in one place.

* here: tiny random CLIPs (:func:`tiny_clip`, :func:`tiny_checkpoint`), fake
  images, image-text pairs and segmentation batches;
* :mod:`clipx.testing.shrink`: a shipped config's model made tiny and offline
  (:func:`shrink_options` for ``clipx.apis.init_model(path, cfg_options=...)``);
* :mod:`clipx.testing.batches`: a fake batch of any model family's declared
  shapes and one step on it (:func:`fake_inputs`, :func:`fake_step`);
* :mod:`clipx.testing.gradients`: which parameters a backward pass reached.
"""

from __future__ import annotations

import os
from pathlib import Path

import open_clip
import torch

from clipx.backbone import FrozenCLIP
from clipx.checkpoint import save_clipx_checkpoint

TEST_VIT = "clipx-ViT-test-8-32"  # 32 px, patch 8, width 64, 2 blocks; text width 64, context 16
TEST_RN = "clipx-RN-test-64"  # 64 px ModifiedResNet [1,1,1,1], width 8
TEST_CS = (
    "clipx-ViT-test-cs-32"  # 32 px timm ViT, conv stem 8 -> 16 (stride 4), 2x2 patches, 2 x 64
)

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
    return save_clipx_checkpoint(
        model, path, model_name=model_name, preprocess_cfg=open_clip.get_model_preprocess_cfg(model)
    )


def tiny_clip(model_name: str = TEST_VIT, *, seed: int = 0, **kwargs) -> FrozenCLIP:
    """A FrozenCLIP around a seeded random tiny model."""
    torch.manual_seed(seed)
    return FrozenCLIP(model_name=model_name, **kwargs)


def fake_images(batch: int = 2, size: int | tuple[int, int] = 32, *, seed: int = 0) -> torch.Tensor:
    """(B, 3, H, W) normalised-looking random images."""
    h, w = (size, size) if isinstance(size, int) else size
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 3, h, w, generator=gen)


def write_fake_pairs(
    root: str | os.PathLike, num: int = 16, *, size: int = 32, seed: int = 0
) -> Path:
    """Random PNG images with captions and their ``filepath,title`` CSV; returns the CSV path."""
    import numpy as np
    from PIL import Image

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = ["filepath,title"]
    for i in range(num):
        Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(
            root / f"{i}.png"
        )
        rows.append(f"{i}.png,{FAKE_CAPTIONS[i % len(FAKE_CAPTIONS)]} number {i}")
    (root / "pairs.csv").write_text("\n".join(rows) + "\n")
    return root / "pairs.csv"


# ---------------------------------------------------------------- segmentation (needs mmseg)

SEG_LABELS = ("background", "circle", "square")
# blocks (ViT) / stages (ResNet) an LSeg head decodes, and DPT's resampling of same-size ViT maps
SEG_ARCHS = {
    "vit": dict(model_name=TEST_VIT, size=32, dense_indices=(0, 1), reassemble_scales=(2, 1)),
    "rn": dict(model_name=TEST_RN, size=64, dense_indices=(1, 2, 3, 4), reassemble_scales=None),
    "cs": dict(model_name=TEST_CS, size=32, dense_indices=(0, 1), reassemble_scales=(2, 1)),
}


def tiny_segmentor(arch: str = "rn", *, seed: int = 0, labels=SEG_LABELS, **head):
    """An ``LSegSegmentor`` on a seeded tiny CLIP (``arch``: a key of :data:`SEG_ARCHS`), 16-wide head."""
    from clipx.seg import LSegHead, LSegSegmentor

    spec = SEG_ARCHS[arch]
    clip = tiny_clip(spec["model_name"], seed=seed, dense_indices=spec["dense_indices"])
    torch.manual_seed(seed)
    head = dict(type=LSegHead, channels=16, reassemble_scales=spec["reassemble_scales"]) | head
    preprocessor = dict(
        type="mmseg.SegDataPreProcessor",
        mean=[122.771, 116.746, 104.094],
        std=[68.501, 66.632, 70.323],
        bgr_to_rgb=True,
        size_divisor=32,
        seg_pad_val=255,
    )
    return LSegSegmentor(
        backbone=clip,
        decode_head=head,
        class_names=labels,
        templates="name",
        data_preprocessor=preprocessor,
    )


def fake_seg_samples(batch: int, size: int, num_classes: int, *, seed: int = 0) -> list:
    """``SegDataSample``s with random labels (the top rows 255) and mmseg's metainfo."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(batch):
        labels = torch.randint(0, num_classes, (1, size, size), generator=gen)
        labels[:, : size // 8] = 255
        shape = (size, size)
        sample = SegDataSample(metainfo=dict(img_shape=shape, ori_shape=shape, pad_shape=shape))
        sample.gt_sem_seg = PixelData(data=labels)
        samples.append(sample)
    return samples


def fake_seg_batch(batch: int, size: int, num_classes: int, *, seed: int = 0) -> dict:
    """What an mmseg dataloader hands the data preprocessor: uint8 BGR images and samples."""
    gen = torch.Generator().manual_seed(seed)
    images = [
        torch.randint(0, 256, (3, size, size), generator=gen, dtype=torch.uint8)
        for _ in range(batch)
    ]
    return dict(inputs=images, data_samples=fake_seg_samples(batch, size, num_classes, seed=seed))


# ---------------------------------------------------------------- shipped configs, shrunk (they use the above)

from .batches import (  # noqa: E402
    FAKE_CLASSES,
    FAKE_NOVEL_CLASSES,
    FAMILIES,
    fake_det_batch,
    fake_inputs,
    fake_step,
    model_family,
    prepare_like_hooks,
)
from .gradients import ZERO_AT_INIT, frozen_with_gradient, trainable_without_gradient  # noqa: E402
from .shrink import (  # noqa: E402
    ConfigShapeError,
    derived_options,
    shrink_config,
    shrink_options,
    tiny_backbone,
    tiny_model_name,
    untrained_backbone,
)

__all__ = [
    "FAKE_CAPTIONS",
    "FAKE_CLASSES",
    "FAKE_NOVEL_CLASSES",
    "FAMILIES",
    "SEG_ARCHS",
    "SEG_LABELS",
    "TEST_CS",
    "TEST_RN",
    "TEST_VIT",
    "ZERO_AT_INIT",
    "ConfigShapeError",
    "derived_options",
    "fake_det_batch",
    "fake_images",
    "fake_inputs",
    "fake_seg_batch",
    "fake_seg_samples",
    "fake_step",
    "frozen_with_gradient",
    "model_family",
    "prepare_like_hooks",
    "shrink_config",
    "shrink_options",
    "tiny_backbone",
    "tiny_checkpoint",
    "tiny_clip",
    "tiny_model_name",
    "tiny_open_clip",
    "tiny_segmentor",
    "trainable_without_gradient",
    "untrained_backbone",
    "write_fake_pairs",
]
