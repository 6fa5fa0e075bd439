"""Frozen image-encoding throughput, fp32 vs bf16 weights, measured in one run.

    python benchmarks/backbone_throughput.py [--model ViT-B-32] [--batch 32] [--iters 5]

Random weights (throughput does not depend on them); prints img/s for each
precision and the bf16/fp32 ratio.
"""

from __future__ import annotations

import argparse
import time

import torch

from clipx.backbone import FrozenCLIP


def images_per_second(clip: FrozenCLIP, batch: int, iters: int) -> float:
    images = torch.randn(batch, 3, *clip.image_size)
    clip.encode_image(images)  # warm-up
    start = time.perf_counter()
    for _ in range(iters):
        clip.encode_image(images)
    return batch * iters / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="ViT-B-32")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--iters", type=int, default=5)
    args = parser.parse_args()
    print(f"{args.model}, batch {args.batch}, {args.iters} iters, {torch.get_num_threads()} threads, "
          f"device {'cuda' if torch.cuda.is_available() else 'cpu'}")
    results = {}
    for precision in ("fp32", "bf16"):
        clip = FrozenCLIP(model_name=args.model, precision=precision)
        if torch.cuda.is_available():
            clip.cuda()
        results[precision] = images_per_second(clip, args.batch, args.iters)
        print(f"  {precision}: {results[precision]:.1f} img/s")
    print(f"  bf16 / fp32 ratio: {results['bf16'] / results['fp32']:.2f}x")


if __name__ == "__main__":
    main()
