"""Few-shot shapes-world splits: class folders of one object each, from clipx's generator.

A class is ``'<colour> <shape>'`` or, with ``with_size``, ``'<size> <colour> <shape>'``.
The default vocabulary is every colour and shape the generator can draw (10 x 8
= 80 classes), four colours (white, pink, cyan, brown) and two shapes (diamond,
heart) of which clipx's shapes-world pretraining never shows or names: those
are concepts the frozen CLIP has no words for, where a few labelled shots have
to teach what zero-shot cannot.

Images come from clipx's class-folder writer
(:func:`clipx.shapes_world.classification.write_class_folders`), one object
per image. With ``with_size`` the size is pinned to the class's size;
otherwise it is drawn as in clipx's zero-shot split. Image ``i`` of split
``s`` draws from ``image_rng(seed, 'clip_adapter/<s>', i)``, so the output is
identical for the same seed and the splits never share an image (nor with
clipx's pretraining streams). This module adds the recipe: the default
vocabulary, the splits, ``meta.json`` and the command line.

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
import json
import shutil
from collections.abc import Mapping
from pathlib import Path

from clipx.shapes_world import COLOURS, SHAPES, ShapesWorldConfig, class_names
from clipx.shapes_world.classification import write_class_folders

DEFAULT_SPLITS: dict[str, int] = {"train": 16, "val": 10, "test": 20}
STREAM_PREFIX = "clip_adapter"


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
    for split, per_class in splits.items():
        write_class_folders(
            out,
            per_class,
            cfg,
            split=split,
            with_size=with_size,
            stream_prefix=STREAM_PREFIX,
            progress=False,
        )
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
    classes = len(class_names(cfg, with_size=args.with_size))
    state = "already up to date" if meta["skipped"] else "written"
    print(f"{args.out}: {classes} classes, images per class {splits}: {state}.")


if __name__ == "__main__":
    main()
