"""Ranking time and peak memory of text-video retrieval: chunked versus the full matrix.

For each size N it draws N unit video embeddings and N captions (one per video,
each a noisy copy of its video), then ranks both directions with
:func:`clipx.evaluation.video_retrieval.video_retrieval_ranks`:

* chunked: ``chunk_size`` queries at a time, memory O(chunk x N);
* full: one chunk of N (the whole N x N similarity matrix at once), only
  where its estimated footprint fits in the available memory.

Each run happens in a fresh process; its peak memory is the growth of the
process's peak resident set (``resource.getrusage``) over what it held after
creating the embeddings. The two paths must give identical ranks.

Example (the 100k case takes minutes on 2 cores)::

    python benchmarks/video_ranking.py --sizes 10000 100000
    python benchmarks/video_ranking.py --sizes 2000 --dim 64   # a few seconds
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import resource
import time

# Bytes per similarity entry while a chunk is ranked: the float32 scores and the
# comparison masks and temporaries of rank_of / best_rank_of (measured: ~40).
BYTES_PER_ENTRY = 40


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000], help="videos (= captions)"
    )
    parser.add_argument("--dim", type=int, default=512, help="embedding dimension (ViT-B/32: 512)")
    parser.add_argument("--chunk", type=int, default=256, help="queries per chunk")
    parser.add_argument(
        "--dual-softmax", action="store_true", help="rank with the dual-softmax prior"
    )
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--no-progress", action="store_true")
    return parser.parse_args()


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _available_bytes() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def _run(n: int, dim: int, chunk: int, dual: bool, threads: int, progress: bool, queue) -> None:
    import torch

    from clipx.evaluation.video_retrieval import video_retrieval_ranks

    if threads:
        torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    videos = torch.nn.functional.normalize(torch.randn(n, dim, generator=g), dim=-1)
    texts = torch.nn.functional.normalize(
        videos + 1.5 * torch.randn(n, dim, generator=g) / dim**0.5, dim=-1
    )
    owner = torch.arange(n)
    before = _peak_kib()
    start = time.perf_counter()
    t2v, v2t = video_retrieval_ranks(
        videos, texts, owner, chunk_size=chunk, dual_softmax=dual, progress=progress
    )
    seconds = time.perf_counter() - start
    peak = (_peak_kib() - before) * 1024
    digest = hashlib.sha1(t2v.numpy().tobytes() + v2t.numpy().tobytes()).hexdigest()[:12]
    r1 = float((t2v < 1).float().mean()) * 100
    queue.put((seconds, peak, digest, r1))


def measure(n: int, chunk: int, args: argparse.Namespace) -> tuple[float, int, str, float]:
    ctx = multiprocessing.get_context("spawn")  # a fresh peak-RSS counter per run
    queue = ctx.Queue()
    proc = ctx.Process(
        target=_run,
        args=(n, args.dim, chunk, args.dual_softmax, args.threads, not args.no_progress, queue),
    )
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _gb(num_bytes: float) -> str:
    return f"{num_bytes / 1e9:.2f} GB"


def main() -> None:
    args = parse_args()
    print(
        f"dim={args.dim}, chunk={args.chunk}, dual_softmax={args.dual_softmax}, one caption per video"
    )
    print(f"{'N':>8s} {'path':>8s} {'seconds':>9s} {'peak mem':>10s} {'t2v R@1':>8s}  ranks")
    for n in args.sizes:
        c_sec, c_mem, c_digest, r1 = measure(n, args.chunk, args)
        print(f"{n:8d} {'chunked':>8s} {c_sec:9.2f} {_gb(c_mem):>10s} {r1:8.2f}  {c_digest}")
        full_need = n * n * BYTES_PER_ENTRY
        if full_need > 0.6 * _available_bytes():
            print(
                f"{n:8d} {'full':>8s}   skipped: the {n} x {n} matrix needs ~{_gb(full_need)} "
                f"({_gb(n * n * 4)} for the float32 similarities alone), {_gb(_available_bytes())} available"
            )
            continue
        f_sec, f_mem, f_digest, _ = measure(n, n, args)
        same = "identical" if f_digest == c_digest else "DIFFERENT"
        print(f"{n:8d} {'full':>8s} {f_sec:9.2f} {_gb(f_mem):>10s} {'':8s}  {f_digest} ({same})")
        print(
            f"{'':8s} full / chunked: time x{f_sec / c_sec:.2f}, memory x{f_mem / max(c_mem, 1):.1f}"
        )


if __name__ == "__main__":
    main()
