"""Free-label inference: any image, any list of label strings -> a mask and an overlay."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.structures import SegDataSample
from PIL import Image, ImageDraw, ImageFont

from clipx.apis import expect_model_type, init_model

from .segmentor import LSegSegmentor

# Distinct colours for up to 20 labels (Sasha Trubetskoy's list); more are derived.
_PALETTE = [
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
    (0, 128, 128), (220, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0),
    (170, 255, 195), (128, 128, 0), (255, 215, 180), (0, 0, 128), (128, 128, 128),
]  # fmt: skip


def label_colours(count: int) -> list[tuple[int, int, int]]:
    """``count`` RGB colours, the same for the same count."""
    colours = list(_PALETTE[:count])
    rng = np.random.default_rng(0)
    while len(colours) < count:
        colours.append(tuple(int(v) for v in rng.integers(40, 256, 3)))
    return colours


def load_segmentor(
    config: str | os.PathLike | Config,
    checkpoint: str | os.PathLike | None = None,
    *,
    device: str = "cpu",
    cfg_options: Mapping | None = None,
) -> BaseSegmentor:
    """An open-vocabulary segmentor (LSeg, GroupViT) from a config and a runner checkpoint, in eval mode.

    :func:`clipx.apis.init_model` with a check that the config builds an
    :class:`LSegSegmentor` or another segmentor of run-time labels
    (:func:`is_open_vocabulary_segmentor`).

    Args:
        config: an LSeg config file or Config.
        checkpoint: a runner checkpoint (``work_dirs/.../iter_N.pth``); None
            keeps the config's weights (the backbone's and an untrained head).
        device: where the model runs.
        cfg_options: ``--cfg-options``-style overrides.
    """
    model = init_model(config, checkpoint, device=device, cfg_options=cfg_options)
    if not is_open_vocabulary_segmentor(model):
        expect_model_type(
            model, LSegSegmentor, configs="configs/lseg/ or projects/groupvit/configs/"
        )
    return model


def is_open_vocabulary_segmentor(model) -> bool:
    """Whether ``model`` segments into labels given at run time: an mmseg segmentor with
    ``vocabulary_as(names, templates)`` (LSeg, the GroupViT plug-in), as :func:`segment` needs."""
    return isinstance(model, BaseSegmentor) and callable(getattr(model, "vocabulary_as", None))


def read_rgb(image: str | os.PathLike | np.ndarray | Image.Image) -> np.ndarray:
    """(H, W, 3) uint8 RGB from a path, a PIL image or an array."""
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"image array must be (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}."
            )
        return image
    if not isinstance(image, Image.Image):
        if not Path(image).is_file():
            raise FileNotFoundError(f"Image '{image}' does not exist.")
        image = Image.open(image)
    return np.asarray(image.convert("RGB"))


@torch.no_grad()
def segment(
    model: BaseSegmentor,
    image: str | os.PathLike | np.ndarray | Image.Image,
    labels: Sequence[str],
    *,
    templates: str | Sequence[str] | None = None,
) -> np.ndarray:
    """Segment one image into the given labels, whatever the model was trained on.

    Args:
        model: a trained segmentor (:func:`load_segmentor`).
        image: a path, a PIL image or an (H, W, 3) uint8 RGB array, at the
            size the model should see it (the data preprocessor pads it).
        labels: label strings, e.g. ``['background', 'circle', 'vehicle']``.
        templates: prompt templates; None: the model's.

    Returns:
        (H, W) int64 mask; value i is ``labels[i]``.
    """
    rgb = read_rgb(image)
    # the model's data preprocessor expects what mmcv's loader gives: BGR, unless told otherwise
    pixels = (
        rgb[..., ::-1] if getattr(model.data_preprocessor, "channel_conversion", False) else rgb
    )
    inputs = torch.from_numpy(np.ascontiguousarray(pixels)).permute(2, 0, 1)
    shape = tuple(rgb.shape[:2])
    sample = SegDataSample(metainfo=dict(ori_shape=shape, img_shape=shape, pad_shape=shape))
    was_training = model.training
    model.eval()
    try:
        with model.vocabulary_as(labels, templates):
            result = model.test_step(dict(inputs=[inputs], data_samples=[sample]))[0]
    finally:
        model.train(was_training)
    return result.pred_sem_seg.data[0].cpu().numpy().astype(np.int64)


def draw_overlay(
    image: str | os.PathLike | np.ndarray | Image.Image,
    mask: np.ndarray,
    labels: Sequence[str],
    *,
    alpha: float = 0.55,
    min_side: int = 256,
) -> Image.Image:
    """The image with each label's pixels tinted, and a legend with each label's share.

    Args:
        image: the segmented image.
        mask: (H, W) label indices into ``labels``.
        labels: the label strings.
        alpha: tint strength.
        min_side: small images are enlarged (nearest neighbour) to at least
            this side, so the legend stays readable.
    """
    rgb = read_rgb(image).astype(np.float32)
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask {mask.shape} and image {rgb.shape[:2]} differ in size.")
    colours = np.asarray(label_colours(len(labels)), dtype=np.float32)
    tinted = rgb * (1 - alpha) + colours[mask] * alpha
    picture = Image.fromarray(np.clip(tinted, 0, 255).astype(np.uint8))
    factor = max(1, -(-min_side // min(picture.size)))
    picture = picture.resize(
        (picture.width * factor, picture.height * factor), Image.Resampling.NEAREST
    )

    font = ImageFont.load_default()
    row = 18
    legend_w = 16 + max(8 * len(f"{name} 100.0%") for name in labels)
    canvas = Image.new(
        "RGB", (picture.width + legend_w, max(picture.height, row * len(labels) + 8)), "white"
    )
    canvas.paste(picture, (0, 0))
    draw = ImageDraw.Draw(canvas)
    counts = np.bincount(mask.ravel(), minlength=len(labels))
    for i, name in enumerate(labels):
        x, y = picture.width + 6, 4 + i * row
        draw.rectangle(
            (x, y, x + 12, y + 12), fill=tuple(int(c) for c in colours[i]), outline="black"
        )
        draw.text(
            (x + 18, y), f"{name} {100 * counts[i] / mask.size:.1f}%", fill="black", font=font
        )
    return canvas


def save_mask(mask: np.ndarray, path: str | os.PathLike, num_labels: int) -> None:
    """Write the mask as a palette PNG: pixel values are label indices, colours match the overlay."""
    if num_labels > 256:
        raise ValueError(f"A PNG mask holds at most 256 labels, got {num_labels}.")
    png = Image.fromarray(mask.astype(np.uint8))
    png.putpalette([v for colour in label_colours(num_labels) for v in colour])  # L -> P
    png.save(path)
