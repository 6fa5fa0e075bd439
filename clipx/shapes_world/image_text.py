"""Captioned images: pretraining pairs (one caption per image) and retrieval sets (several).

Layout under ``out_dir``: ``<split>.csv`` with the columns ``filepath`` and
``title`` (comma-separated, ``csv`` quoting; ``filepath`` relative to the CSV's
folder, so a data set folder can be moved) and ``<split>/<index>.png``.
:class:`clipx.data.image_text.ImageTextDataset` resolves the paths that way by
default; open_clip's own ``CsvDataset`` opens paths relative to the working
directory, so run it from the CSV's folder with ``--csv-separator ,``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from .captions import caption_variants
from .config import ShapesWorldConfig
from .output import atomic_write, check_count, parallel_map, save_image
from .render import ShapesRenderer
from .scene import image_rng, sample_scene


def _captioned_item(
    index: int, *, cfg: ShapesWorldConfig, stream: str, out_dir: Path, split: str, captions: int
) -> list[tuple[str, str]]:
    rng = image_rng(cfg.seed, stream, index)
    scene = sample_scene(cfg, rng)
    image, _ = ShapesRenderer(supersample=cfg.supersample).render(scene)
    rel = f"{split}/{index:06d}.{cfg.image_format}"
    save_image(image, out_dir / rel, cfg.image_format)
    return [(rel, c) for c in caption_variants(scene, rng, captions)]


def _write_csv(path: Path, rows: Sequence[tuple[str, str]]) -> None:
    with atomic_write(path, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["filepath", "title"])
        writer.writerows(rows)


def write_image_text(
    out_dir: str | os.PathLike,
    num_images: int,
    cfg: ShapesWorldConfig,
    *,
    split: str = "train",
    num_workers: int = 1,
    progress: bool = True,
) -> Path:
    """Write ``num_images`` captioned multi-object images for contrastive pretraining.

    Layout: ``out_dir/<split>.csv`` (``filepath,title``, one row per image,
    ``filepath`` relative to ``out_dir``) and ``out_dir/<split>/<index>.png``.

    Args:
        out_dir: destination folder (created).
        num_images: how many images.
        cfg: the world.
        split: split name; also picks the seed stream (``'image_text/<split>'``).
        num_workers: processes drawing images; the output does not depend on it.
        progress: show a progress bar.

    Returns:
        Path of the CSV.
    """
    return _write_captioned(
        out_dir,
        num_images,
        cfg,
        split=split,
        stream=f"image_text/{split}",
        captions=1,
        num_workers=num_workers,
        progress=progress,
    )


def write_retrieval(
    out_dir: str | os.PathLike,
    num_images: int,
    cfg: ShapesWorldConfig,
    *,
    split: str = "test",
    captions_per_image: int = 3,
    num_workers: int = 1,
    progress: bool = True,
) -> Path:
    """Write held-out images with several captions each, for retrieval evaluation.

    Same layout as :func:`write_image_text`, with one CSV row per
    (image, caption): an image's ``filepath`` repeats on consecutive rows.
    Images come from the ``'retrieval/<split>'`` seed stream, so they differ
    from every pretraining split.

    Returns:
        Path of the CSV.
    """
    check_count("captions_per_image", captions_per_image)
    return _write_captioned(
        out_dir,
        num_images,
        cfg,
        split=split,
        stream=f"retrieval/{split}",
        captions=captions_per_image,
        num_workers=num_workers,
        progress=progress,
    )


def _write_captioned(
    out_dir: str | os.PathLike,
    num_images: int,
    cfg: ShapesWorldConfig,
    *,
    split: str,
    stream: str,
    captions: int,
    num_workers: int,
    progress: bool,
) -> Path:
    check_count("num_images", num_images)
    out = Path(out_dir)
    (out / split).mkdir(parents=True, exist_ok=True)
    fn = partial(
        _captioned_item, cfg=cfg, stream=stream, out_dir=out, split=split, captions=captions
    )
    rows = parallel_map(fn, num_images, num_workers=num_workers, progress=progress, desc=stream)
    csv_path = out / f"{split}.csv"
    _write_csv(csv_path, [row for item in rows for row in item])
    return csv_path


def read_caption_csv(csv_path: str | os.PathLike) -> list[tuple[Path, str]]:
    """(image path, caption) rows of a shapes-world CSV, paths resolved against its folder."""
    path = Path(csv_path)
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [(path.parent / r["filepath"], r["title"]) for r in rows]
