"""Precompute ViLD-image's targets: CLIP embeddings of proposal crops of the training images.

    python tools/vild_precompute.py CONFIG --checkpoint DETECTOR.pth [--out DIR] [--num-regions 300]
    python tools/vild_precompute.py CONFIG --proposals proposals.json [--out DIR]

CONFIG is a ViLD config: its training set gives the images, its ``clip`` the
teacher, and ``--checkpoint`` a trained detector (e.g. ViLD-text) whose RPN
proposes the boxes; or ``--proposals`` gives boxes as COCO results json
(``[{"image_id", "bbox": [x, y, w, h], "score"}]``). Each box is cropped at
1x and 1.5x context (``--scales``), encoded, and the normalised embeddings are
averaged. Output (default: the config's ``region_dir``): ``regions/<img_id>.npz``
and ``index.json``. A rerun skips finished images (resume) and refuses a
folder made with another backbone, other scales or another crop mode
(``--overwrite`` starts it afresh); unreadable images are skipped and reported.
"""

from __future__ import annotations

import argparse
import sys
import time

import torch
from mmengine.config import Config, DictAction

from clipx.apis import read_config
from clipx.backbone import FrozenCLIP
from clipx.backbone.regions import RegionEmbedder
from clipx.det.inference import load_detector
from clipx.det.regions import FileProposals, RPNProposals, precompute_regions
from clipx.det.scope import mmdet_scope
from clipx.engine import apply_flush_denormal
from clipx.registry import explain_missing_types


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("config", help="a ViLD config")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="trained detector whose RPN proposes the boxes")
    source.add_argument("--proposals", help="COCO results-style json of proposals")
    parser.add_argument("--out", help="output folder (default: the config's region_dir)")
    parser.add_argument(
        "--num-regions", type=int, default=300, help="top proposals per image (ViLD: 300)"
    )
    parser.add_argument(
        "--scales", type=float, nargs="+", default=[1.0, 1.5], help="crop context factors"
    )
    parser.add_argument(
        "--crop-mode",
        choices=("resize", "mask"),
        help="'resize' (ViLD: each box resized to CLIP's input) or 'mask' (the whole image, "
        "blanked outside the box); default: the config's region_crop_mode, else resize",
    )
    parser.add_argument("--batch-images", type=int, default=8, help="images per RPN forward")
    parser.add_argument("--crop-batch", type=int, default=256, help="crops per CLIP forward")
    parser.add_argument(
        "--precision", choices=("fp32", "bf16", "fp16"), default="fp32", help="CLIP weights"
    )
    parser.add_argument("--limit", type=int, help="only the first N training images")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="delete the folder's region embeddings first (needed when the backbone or crops changed)",
    )
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, help="override config entries"
    )
    return parser.parse_args(argv)


def training_images(cfg: Config) -> list[tuple[int, str]]:
    """(img_id, path) of the config's training set, in its order."""
    from mmdet.registry import DATASETS

    dataset_cfg = dict(cfg.train_dataloader.dataset, pipeline=[])
    with mmdet_scope():
        dataset = DATASETS.build(dataset_cfg)
    return [
        (info["img_id"], info["img_path"])
        for info in (dataset.get_data_info(i) for i in range(len(dataset)))
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = read_config(args.config, cfg_options=args.cfg_options)
    apply_flush_denormal(cfg, args.config)
    out = args.out or cfg.get("region_dir")
    if out is None:
        raise SystemExit(f"{args.config} has no region_dir; pass --out.")
    with explain_missing_types():
        images = training_images(cfg)
    if args.limit:
        images = images[: args.limit]

    clip_cfg = dict(cfg.model.clip)
    clip_cfg.pop("type", None)
    if args.checkpoint:
        detector = load_detector(cfg, args.checkpoint, device=args.device)
        proposals = RPNProposals(detector, args.num_regions)
        clip = detector.clip if args.precision == "fp32" else None
    else:
        proposals = FileProposals(args.proposals, args.num_regions)
        clip = None
    if clip is None:
        clip = FrozenCLIP(**clip_cfg, precision=args.precision).to(args.device)
    embedder = RegionEmbedder(
        clip,
        scales=tuple(args.scales),
        crop_batch=args.crop_batch,
        crop_mode=args.crop_mode or cfg.get("region_crop_mode", "resize"),
    )
    meta = {
        "config": args.config,
        "proposals": args.checkpoint or args.proposals,
        "num_regions": args.num_regions,
        "precision": args.precision,
    }
    start = time.perf_counter()
    index = precompute_regions(
        images,
        out,
        embedder=embedder,
        proposals=proposals,
        batch_images=args.batch_images,
        progress=not args.no_progress,
        meta=meta,
        overwrite=args.overwrite,
    )
    seconds = time.perf_counter() - start
    print(
        f"{len(index['images'])}/{len(images)} images have region embeddings in {out} ({seconds:.1f} s this run)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
