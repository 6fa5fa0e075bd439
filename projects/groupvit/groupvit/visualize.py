"""Pictures of GroupViT's groups: every stage's segments in colours over the image."""

from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from clipx.seg import draw_overlay, read_rgb

from .model import GroupViT


@torch.no_grad()
def group_maps(model: GroupViT, image: str | os.PathLike | np.ndarray | Image.Image) -> dict:
    """Each grouping stage's segments of one image, and the final groups' labels.

    Args:
        model: a GroupViT in eval mode.
        image: a path, PIL image or (H, W, 3) uint8 RGB array, at a size the tower takes.

    Returns:
        ``{'stages': [(H, W) int64 group index per pixel, one per grouping stage],
        'labels': [the best label of each final group], 'scores': [its probability]}``.
    """
    rgb = read_rgb(image)
    inputs = model.data_preprocessor(
        dict(
            inputs=[
                torch.from_numpy(np.ascontiguousarray(_to_model_order(model, rgb))).permute(2, 0, 1)
            ]
        ),
        False,
    )["inputs"]
    output = model.image_tower(inputs)
    size = tuple(inputs.shape[-2:])
    stages = []
    h, w = output.grid
    for chained in output.stage_memberships():
        maps = chained.reshape(chained.shape[0], chained.shape[1], h, w)
        maps = F.interpolate(maps, size=size, mode="bilinear", align_corners=False)
        if model.refiner is not None:  # as inference does (``refine``)
            maps = model.refiner(inputs, maps)
        maps = maps.argmax(1)
        stages.append(maps[0, : rgb.shape[0], : rgb.shape[1]].cpu().numpy().astype(np.int64))
    probabilities, _, foreground = model.group_scores(output)
    best = probabilities[0].max(dim=-1)
    labels = [model.vocabulary.names[foreground[int(i)]] for i in best.indices]
    return {"stages": stages, "labels": labels, "scores": [float(v) for v in best.values]}


def _to_model_order(model: GroupViT, rgb: np.ndarray) -> np.ndarray:
    # the data preprocessor expects mmcv's BGR when it converts to RGB
    return rgb[..., ::-1] if getattr(model.data_preprocessor, "channel_conversion", False) else rgb


def draw_groups(
    image: str | os.PathLike | np.ndarray | Image.Image,
    groups: np.ndarray,
    names: list[str] | None = None,
    *,
    alpha: float = 0.6,
) -> Image.Image:
    """The image with each group's pixels in its own colour and a legend of the groups.

    Args:
        image: the image the groups come from.
        groups: (H, W) group index per pixel.
        names: a legend entry per group (default ``'group i'``); groups with no pixel are
            listed too, with 0%.
        alpha: tint strength.
    """
    count = int(groups.max()) + 1 if names is None else len(names)
    names = names or [f"group {i}" for i in range(count)]
    return draw_overlay(image, groups, names, alpha=alpha)
