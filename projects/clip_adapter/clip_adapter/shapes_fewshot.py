"""Few-shot shapes-world splits: class folders of one object each, from clipx's generator.

A class is ``'<colour> <shape>'`` or, with ``with_size``, ``'<size> <colour> <shape>'``.
The default vocabulary is every colour and shape the generator can draw (10 x 8
= 80 classes), four colours (white, pink, cyan, brown) and two shapes (diamond,
heart) of which clipx's shapes-world pretraining never shows or names: those
are concepts the frozen CLIP has no words for, where a few labelled shots have
to teach what zero-shot cannot.

Images come from clipx's own generator (:func:`clipx.data.shapes_world.sample_scene`
and :class:`~clipx.data.shapes_world.ShapesRenderer`), one object per image.
With ``with_size`` the size is pinned by a world whose ``sizes`` holds only
the class's size; otherwise it is drawn as in clipx's zero-shot split. Image
``i`` of split ``s`` draws from ``image_rng(seed, 'clip_adapter/<s>', i)``, so
the output is identical for the same seed and the splits never share an image
(nor with clipx's pretraining streams).

Layout (ImageNet folders, what :class:`~clip_adapter.FewShotImageFolder` reads)::

    <out>/classes.txt                      class names, sorted (the label order)
    <out>/<split>/<class name>/<index>.png
    <out>/meta.json                        the world, the class kind, the counts

Command line (from the repository root)::

    python -m projects.clip_adapter.clip_adapter.shapes_fewshot --out data/shapes_world_fewshot
    python -m projects.clip_adapter.clip_adapter.shapes_fewshot --out data/shapes_world_sizes \\
        --with-size --colours red green blue yellow purple orange \\
        --shapes circle square triangle star hexagon cross
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
from collections.abc import Mapping
from pathlib import Path

from PIL import Image

from clipx.data.shapes_world import (
    COLOURS,
    SHAPES,
    ShapesRenderer,
    ShapesWorldConfig,
    image_rng,
    sample_scene,
)

DEFAULT_SPLITS: dict[str, int] = {"train": 16, "val": 10, "test": 20}
STREAM_PREFIX = "clip_adapter"


def class_tuples(cfg: ShapesWorldConfig, *, with_size: bool) -> list[tuple[str, ...]]:
    """(size, colour, shape) or (colour, shape) of every class, sorted by class name."""
    pairs = [(c, s) for c in cfg.colours for s in cfg.shapes]
    tuples = [(z, *p) for z in cfg.sizes for p in pairs] if with_size else pairs
    return sorted(tuples, key=" ".join)


def fewshot_class_names(cfg: ShapesWorldConfig, *, with_size: bool) -> list[str]:
    """Class names, sorted: index i is ImageFolder's label i."""
    return [" ".join(t) for t in class_tuples(cfg, with_size=with_size)]


def render_class_image(
    cfg: ShapesWorldConfig,
    colour: str,
    shape: str,
    *,
    size: str | None = None,
    stream: str,
    index: int,
) -> Image.Image:
    """One image of a single object, drawn from ``(cfg.seed, stream, index)``.

    ``size`` pins the size name (a key of ``cfg.sizes``); None draws it.
    """
    world = cfg
    if size is not None:
        if size not in cfg.sizes:
            raise ValueError(f"Unknown size {size!r}; this world's sizes are {list(cfg.sizes)}.")
        # a world with a single size: clipx's placement can only draw that one
        world = dataclasses.replace(cfg, sizes={size: cfg.sizes[size]})
    scene = sample_scene(world, image_rng(cfg.seed, stream, index), classes=[(colour, shape)])
    if len(scene.objects) != 1:
        raise RuntimeError(f"Could not place a {colour} {shape} in image {index} of {stream}.")
    image, _ = ShapesRenderer(supersample=cfg.supersample).render(scene)
    return Image.fromarray(image)


def write_class_split(
    out_dir: str | Path,
    split: str,
    images_per_class: int,
    cfg: ShapesWorldConfig,
    *,
    with_size: bool,
) -> Path:
    """Write ``images_per_class`` images of every class under ``out_dir/split``; returns that folder."""
    if not isinstance(images_per_class, int) or images_per_class < 1:
        raise ValueError(
            f"images_per_class={images_per_class!r} for split '{split}'; use a positive integer."
        )
    folder = Path(out_dir) / split
    stream = f"{STREAM_PREFIX}/{split}"
    for label, parts in enumerate(class_tuples(cfg, with_size=with_size)):
        size, colour, shape = parts if with_size else (None, *parts)
        class_dir = folder / " ".join(parts)
        class_dir.mkdir(parents=True, exist_ok=True)
        for k in range(images_per_class):
            index = label * images_per_class + k
            image = render_class_image(cfg, colour, shape, size=size, stream=stream, index=index)
            image.save(class_dir / f"{index:06d}.png", format="PNG")
    return folder


def write_fewshot_dataset(
    out_dir: str | Path,
    cfg: ShapesWorldConfig,
    splits: Mapping[str, int] = DEFAULT_SPLITS,
    *,
    with_size: bool = False,
    overwrite: bool = False,
) -> dict:
    """Write ``classes.txt``, every split of ``splits`` (name -> images per class) and ``meta.json``.

    A folder whose ``meta.json`` already records the same world, classes and
    splits is left as it is. Any other non-empty ``out_dir`` is refused unless
    ``overwrite``, which deletes the split folders it is about to write.

    Returns:
        The meta dict (also written to ``meta.json``), with ``skipped`` True when
        nothing had to be written.
    """
    out = Path(out_dir)
    meta = {
        "generator": f"{STREAM_PREFIX}.shapes_fewshot",
        "config": cfg.to_dict(),
        "with_size": bool(with_size),
        "splits": dict(splits),
    }
    meta_path = out / "meta.json"
    if meta_path.is_file() and json.loads(meta_path.read_text()) == meta:
        return {**meta, "skipped": True}
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(
                f"'{out}' is not empty and its meta.json does not match this world and these splits; "
                "pass overwrite=True (--overwrite) to replace its split folders, or choose another --out."
            )
        for split in splits:
            shutil.rmtree(out / split, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    names = fewshot_class_names(cfg, with_size=with_size)
    (out / "classes.txt").write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    for split, per_class in splits.items():
        write_class_split(out, split, per_class, cfg, with_size=with_size)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return {**meta, "skipped": False}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="data/shapes_world_fewshot", help="output folder")
    parser.add_argument("--colours", nargs="+", default=list(COLOURS), help="colour names")
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), help="shape names")
    parser.add_argument("--with-size", action="store_true", help="classes name the size too")
    parser.add_argument("--seed", type=int, default=0, help="root seed of every image")
    parser.add_argument("--image-size", type=int, default=64, help="image side in pixels")
    for split, count in DEFAULT_SPLITS.items():
        parser.add_argument(
            f"--{split}-per-class", type=int, default=count, help=f"{split} images per class"
        )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the split folders of a different run"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cfg = ShapesWorldConfig(
        image_size=args.image_size,
        colours=args.colours,
        shapes=args.shapes,
        max_objects=1,  # one object per image
        seed=args.seed,
    )
    splits = {split: getattr(args, f"{split}_per_class") for split in DEFAULT_SPLITS}
    meta = write_fewshot_dataset(
        args.out, cfg, splits, with_size=args.with_size, overwrite=args.overwrite
    )
    classes = len(fewshot_class_names(cfg, with_size=args.with_size))
    state = "already up to date" if meta["skipped"] else "written"
    print(f"{args.out}: {classes} classes, images per class {splits}: {state}.")


if __name__ == "__main__":
    main()
