"""Clip loading throughput: clipx's video dataset (decord) versus a plain OpenCV reader.

Three readers load the same clips in the same run, each into what the model
eats, (num_frames, 3, H, W) preprocessed frames plus a frame mask:

* ``dataset, 0 workers``: :class:`clipx.video.VideoTextDataset` through a
  ``DataLoader`` in the main process (decord ``get_batch`` of the sampled frames);
* ``dataset, 2 workers``: the same with 2 worker processes (their start-up
  counts: it is part of a real evaluation);
* ``opencv per frame``: ``cv2.VideoCapture`` walking through every frame,
  keeping the same sampled ones, with the same preprocessing.

It prints clips/s and each reader's ratio to the OpenCV baseline.

Examples::

    python benchmarks/video_decode_throughput.py                      # data/shapes_world_video test clips
    python benchmarks/video_decode_throughput.py --synthetic 64 --size 224 --frames 96
    python benchmarks/video_decode_throughput.py --ann-file A.csv --video-root VIDEOS
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader
from tqdm import tqdm

from clipx.data.transforms import clip_image_transform, clip_preprocess_cfg
from clipx.video import VideoTextDataset
from clipx.video.data import frames_to_clip, uniform_frame_indices


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ann-file", default="data/shapes_world_video/annotations/test_static.csv")
    parser.add_argument("--video-root", default="data/shapes_world_video/videos")
    parser.add_argument(
        "--synthetic", type=int, default=0, help="generate this many clips in a temp dir instead"
    )
    parser.add_argument("--size", type=int, default=64, help="synthetic clip side in pixels")
    parser.add_argument("--frames", type=int, default=32, help="synthetic clip length")
    parser.add_argument("--model", default="clipx-RN-tiny-64", help="whose preprocessing to apply")
    parser.add_argument("--num-frames", type=int, default=12, help="frames sampled per clip")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[0, 2], help="dataloader workers to try"
    )
    parser.add_argument("--limit", type=int, default=0, help="use at most this many clips (0: all)")
    return parser.parse_args()


def synthetic_clips(out: Path, count: int, size: int, frames: int) -> tuple[Path, Path]:
    from clipx.shapes_world import ShapesWorldConfig, VideoWorldConfig, write_video_split

    cfg = VideoWorldConfig(
        world=ShapesWorldConfig(image_size=size, max_objects=2), num_frames=frames
    )
    written = write_video_split(out, "bench", count, cfg, progress=True)
    return written["static_csv"], out / "videos"


def opencv_clip(path: Path, transform, num_frames: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The plain way: walk the file frame by frame, keep the sampled ones."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    wanted = set(uniform_frame_indices(total, num_frames).tolist())
    frames = []
    for index in range(total):
        if not cap.grab():
            break
        if index in wanted:
            ok, bgr = cap.retrieve()
            if ok:
                frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    return frames_to_clip(np.stack(frames), transform, num_frames)


def time_dataset(dataset, workers: int, batch: int) -> float:
    loader = DataLoader(dataset, batch_size=batch, num_workers=workers, collate_fn=pseudo_collate)
    start = time.perf_counter()
    count = 0
    for data in tqdm(loader, desc=f"dataset, {workers} workers", unit="batch", leave=False):
        count += len(data["inputs"])
    assert count == len(dataset)
    return time.perf_counter() - start


def time_opencv(dataset, transform, num_frames: int) -> float:
    start = time.perf_counter()
    for path in tqdm(dataset.video_paths, desc="opencv per frame", unit="clip", leave=False):
        clip, _ = opencv_clip(path, transform, num_frames)
        assert clip.shape[0] == num_frames
    return time.perf_counter() - start


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    transform = clip_image_transform(clip_preprocess_cfg(args.model), is_train=False)
    with tempfile.TemporaryDirectory() as tmp:
        ann, root = (
            synthetic_clips(Path(tmp), args.synthetic, args.size, args.frames)
            if args.synthetic
            else (Path(args.ann_file), Path(args.video_root))
        )
        dataset = VideoTextDataset(
            ann_file=ann, video_root=root, transform=transform, num_frames=args.num_frames
        )
        if args.limit:
            for name in ("video_ids", "captions", "video_paths"):
                setattr(dataset, name, getattr(dataset, name)[: args.limit])
        n = len(dataset)
        shape = tuple(dataset[0]["inputs"].shape[1:])
        print(
            f"{n} clips from {root}, {args.num_frames} frames each, preprocessed to {shape} ({args.model})"
        )
        results = {"opencv per frame": time_opencv(dataset, transform, args.num_frames)}
        for workers in args.workers:
            results[f"dataset, {workers} workers"] = time_dataset(dataset, workers, args.batch)
    base = n / results["opencv per frame"]
    print(f"{'reader':24s} {'clips/s':>9s} {'x opencv':>9s}")
    for name, seconds in results.items():
        rate = n / seconds
        print(f"{name:24s} {rate:9.1f} {rate / base:9.2f}")


if __name__ == "__main__":
    main()
