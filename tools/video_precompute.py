"""Encode the training clips of a video config once with its frozen CLIP.

    python tools/video_precompute.py CONFIG [--out DIR] [--overwrite] [--batch-size 32] [--workers 2]

CONFIG trains on cached frames: its ``train_dataloader.dataset`` is a
``VideoFeaturePairs`` whose ``source`` is the video dataset (annotations,
video folder, frame sampling, transform) and whose ``feature_dir`` is where
the embeddings go (``--out`` overrides it). The backbone is the config's
``model.clip``; its image tower must be frozen. A rerun resumes at the first
missing shard; unreadable videos are recorded and reported. Then train with
``tools/train.py CONFIG``.
"""

from __future__ import annotations

import argparse
import sys

import torch
from mmengine.config import DictAction

from clipx.engine import load_config
from clipx.registry import DATASETS, MODELS, explain_missing_types


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("config", help="a config training on VideoFeaturePairs")
    parser.add_argument("--out", help="feature folder (default: the dataset's feature_dir)")
    parser.add_argument(
        "--overwrite", action="store_true", help="delete what the folder holds first"
    )
    parser.add_argument("--batch-size", type=int, default=32, help="clips per forward")
    parser.add_argument("--workers", type=int, default=2, help="decoding processes")
    parser.add_argument("--shard-size", type=int, default=256, help="videos per shard file")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, help="override config entries"
    )
    args = parser.parse_args(argv)
    args.work_dir, args.launcher, args.local_rank = None, "none", 0
    return args


def main(argv: list[str] | None = None) -> int:
    from clipx.video import precompute_frame_embeds

    args = parse_args(argv)
    cfg = load_config(args)
    dataset_cfg = cfg.train_dataloader.dataset
    if "source" not in dataset_cfg or "feature_dir" not in dataset_cfg:
        raise SystemExit(
            f"{args.config}: train_dataloader.dataset must be a VideoFeaturePairs with `source` (the "
            "video dataset) and `feature_dir`; this config trains on decoded clips."
        )
    with explain_missing_types():
        videos = DATASETS.build(dict(dataset_cfg.source, on_error="empty"))
        clip = MODELS.build(cfg.model.clip).to(args.device)
    trainable = clip.trainable_parameter_names("image")
    if trainable:
        raise SystemExit(
            f"{args.config} trains {len(trainable)} image-tower parameters (e.g. {trainable[0]}); "
            "cached frame embeddings need a frozen image tower."
        )
    out = args.out or dataset_cfg.feature_dir
    result = precompute_frame_embeds(
        clip,
        videos,
        out,
        batch_size=args.batch_size,
        num_workers=args.workers,
        shard_size=args.shard_size,
        overwrite=args.overwrite,
        progress=not args.no_progress,
    )
    print(
        f"{result['num_videos']} videos have frame embeddings in {out} ({result['encoded']} encoded in "
        f"{result['seconds']:.1f} s this run; {result['num_unreadable']} unreadable)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
