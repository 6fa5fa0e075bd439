"""Class folders of one object per image: zero-shot and few-shot classification splits.

A class is ``'<colour> <shape>'`` or, with ``with_size``, ``'<size> <colour>
<shape>'`` (:func:`~clipx.shapes_world.config.class_names`). Layout (ImageNet /
``torchvision.datasets.ImageFolder``)::

    out_dir/classes.txt                    class names, sorted: line i is label i
    out_dir/<split>/<class name>/<index>.png

Image ``i`` of a split draws from ``image_rng(seed, '<stream_prefix>/<split>',
i)`` with images ``[k * n, (k + 1) * n)`` showing class ``k`` (``n`` images per
class), so splits never share an image.
"""

from __future__ import annotations

import dataclasses
import os
from functools import partial
from pathlib import Path

import numpy as np

from .config import ShapesWorldConfig, class_names, class_tuples
from .output import check_count, parallel_map, save_image
from .render import ShapesRenderer
from .scene import image_rng, sample_scene


def draw_class_image(
    cfg: ShapesWorldConfig,
    colour: str,
    shape: str,
    *,
    size: str | None = None,
    stream: str,
    index: int,
) -> np.ndarray:
    """(H, W, 3) uint8 RGB image of a single object, drawn from ``(cfg.seed, stream, index)``.

    Args:
        cfg: the world.
        colour: the object's colour name.
        shape: its shape name.
        size: pins the size name (a key of ``cfg.sizes``); None draws it as
            multi-object scenes do.
        stream: the seed stream, e.g. ``'zeroshot/val'``.
        index: the image's index in the stream.
    """
    world = cfg
    if size is not None:
        if size not in cfg.sizes:
            raise ValueError(f"Unknown size {size!r}; this world's sizes are {list(cfg.sizes)}.")
        # a world with a single size: placement can only draw that one
        world = dataclasses.replace(cfg, sizes={size: cfg.sizes[size]})
    scene = sample_scene(world, image_rng(cfg.seed, stream, index), classes=[(colour, shape)])
    if len(scene.objects) != 1:
        raise RuntimeError(f"Could not place a {colour} {shape} in image {index} of {stream}.")
    image, _ = ShapesRenderer(supersample=cfg.supersample).render(scene)
    return image


def _class_item(
    index: int,
    *,
    cfg: ShapesWorldConfig,
    stream: str,
    folder: Path,
    per_class: int,
    with_size: bool,
) -> None:
    parts = class_tuples(cfg, with_size=with_size)[index // per_class]
    size, colour, shape = parts if with_size else (None, *parts)
    image = draw_class_image(cfg, colour, shape, size=size, stream=stream, index=index)
    path = folder / " ".join(parts) / f"{index:06d}.{cfg.image_format}"
    save_image(image, path, cfg.image_format)


def write_class_folders(
    out_dir: str | os.PathLike,
    images_per_class: int,
    cfg: ShapesWorldConfig,
    *,
    split: str = "val",
    with_size: bool = False,
    stream_prefix: str = "zeroshot",
    num_workers: int = 1,
    progress: bool = True,
) -> Path:
    """Write a classification split in ImageNet (ImageFolder) layout.

    Layout: ``out_dir/<split>/<class name>/<index>.png``, exactly one shape per
    image, ``images_per_class`` images of every class, and
    ``out_dir/classes.txt`` with the class names one per line in sorted order,
    which is the label order ``torchvision.datasets.ImageFolder`` assigns.

    Args:
        out_dir: destination folder (created).
        images_per_class: images of each class.
        cfg: the world; its colours x shapes (x sizes) are the classes.
        split: split folder name; also part of the seed stream.
        with_size: classes name the size too, and each image draws its
            object at the class's size.
        stream_prefix: first part of the seed stream (``'<prefix>/<split>'``);
            a different prefix gives different images for the same split name.
        num_workers: processes drawing images; the output does not depend on it.
        progress: show a progress bar.

    Returns:
        The split folder (the ImageFolder root).
    """
    check_count("images_per_class", images_per_class)
    out = Path(out_dir)
    folder = out / split
    names = class_names(cfg, with_size=with_size)
    for name in names:
        (folder / name).mkdir(parents=True, exist_ok=True)
    (out / "classes.txt").write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    stream = f"{stream_prefix}/{split}"
    fn = partial(
        _class_item,
        cfg=cfg,
        stream=stream,
        folder=folder,
        per_class=images_per_class,
        with_size=with_size,
    )
    count = len(names) * images_per_class
    parallel_map(fn, count, num_workers=num_workers, progress=progress, desc=stream)
    return folder
