"""Segment an image into any labels you type, with a trained LSeg or GroupViT model.

    python tools/segment.py CONFIG CHECKPOINT IMAGE --labels background circle "red thing" \
        [--templates "a {}" "a photo of a {}"] [--out-dir DIR]

Writes ``<out-dir>/<image name>_mask.png`` (palette PNG, pixel value i =
label i) and ``<image name>_overlay.png`` (the image tinted by label, with a
legend of each label's share), and prints the shares.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mmengine.config import DictAction

from clipx.seg import draw_overlay, load_segmentor, save_mask, segment


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("config", help="the LSeg or GroupViT config the model was trained with")
    parser.add_argument("checkpoint", help="runner checkpoint (work_dirs/<config>/iter_N.pth)")
    parser.add_argument("image", help="image file")
    parser.add_argument(
        "--labels", nargs="+", required=True, help="label strings; the first wins ties"
    )
    parser.add_argument(
        "--templates", nargs="+", help="prompt templates with one {} (default: the config's)"
    )
    parser.add_argument("--out-dir", default="work_dirs/segment", help="where the PNGs go")
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, help="override config entries"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    model = load_segmentor(
        args.config, args.checkpoint, device=args.device, cfg_options=args.cfg_options
    )
    mask = segment(model, args.image, args.labels, templates=args.templates)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(args.image).stem
    save_mask(mask, out / f"{stem}_mask.png", len(args.labels))
    draw_overlay(args.image, mask, args.labels).save(out / f"{stem}_overlay.png")
    for i, label in enumerate(args.labels):
        print(f"  {label:20s} {100 * (mask == i).mean():5.1f}%")
    print(f"wrote {out / f'{stem}_mask.png'} and {out / f'{stem}_overlay.png'}")


if __name__ == "__main__":
    main()
