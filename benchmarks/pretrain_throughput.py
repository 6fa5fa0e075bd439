"""Pretraining throughput: clipx's runner against open_clip's own training loop.

    python benchmarks/pretrain_throughput.py [--model clipx-RN-tiny-64] [--batch 256] [--steps 12] [--bf16]

Both train the same architecture on the same image-text CSV (a shapes-world
sample it generates), with the same batch size, optimizer, precision (fp32)
and one dataloader worker, one after the other in this run; clipx runs its
config as users do (preloaded uint8 images, fused AdamW), open_clip_train its
own defaults. Each logs the time of every step; the first ``--skip`` steps
(warm-up) are dropped and the rest averaged. Prints samples/s for each and
the clipx / open_clip ratio. With
``--bf16`` clipx also trains under bf16 autocast (``AutocastOptimWrapper``)
and the bf16 / fp32 ratio is printed with the CPU's bf16 flags.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BF16_OPTIONS = ("optim_wrapper.type=clipx.AutocastOptimWrapper", "optim_wrapper.enabled=True")

OPEN_CLIP_MAIN = (
    "import sys, clipx.backbone\n"  # registers clipx's tiny architectures with open_clip
    "from open_clip_train.main import main\n"
    "main(sys.argv[1:])\n"
)


def make_data(out: Path, num: int) -> Path:
    from clipx.shapes_world import ShapesWorldConfig, write_image_text

    return write_image_text(out, num, ShapesWorldConfig(seed=123), split="bench", progress=False)


def run_open_clip(csv: Path, work: Path, args) -> list[float]:
    cmd = [
        sys.executable, "-c", OPEN_CLIP_MAIN,
        "--train-data", str(csv), "--dataset-type", "csv", "--csv-separator", ",",
        "--csv-img-key", "filepath", "--csv-caption-key", "title",
        "--model", args.model, "--batch-size", str(args.batch), "--epochs", "1",
        "--workers", "1", "--lr", "1e-3", "--wd", "0.1", "--warmup", "10", "--precision", "fp32",
        "--log-every-n-steps", "1", "--logs", str(work), "--name", "bench", "--save-frequency", "0",
        "--report-to", "",
    ]
    # open_clip's CsvDataset opens paths relative to the working directory
    out = subprocess.run(cmd, cwd=csv.parent, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"open_clip_train failed:\n{out.stderr[-3000:]}")
    return [float(t) for t in re.findall(r"Batch \(t\): ([0-9.]+)", out.stdout + out.stderr)]


def run_clipx(csv: Path, work: Path, args, extra: tuple[str, ...] = ()) -> list[float]:
    config = ROOT / "configs/clip/clip_rn-tiny-64_1xb256-1000it_shapes-world.py"
    cmd = [
        sys.executable, str(ROOT / "tools/train.py"), str(config), "--work-dir", str(work),
        "--cfg-options",
        f"model.model_name={args.model}",
        f"train_dataloader.dataset.model_name={args.model}",
        f"train_dataloader.dataset.ann_file={csv}",
        f"train_dataloader.batch_size={args.batch}",
        f"train_cfg.max_iters={args.steps}",
        "default_hooks.logger.interval=1", "log_processor.window_size=1",
        "default_hooks.checkpoint.interval=100000", "custom_hooks=[]", *extra,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"clipx train failed:\n{out.stderr[-3000:]}")
    return [float(t) for t in re.findall(r"Iter\(train\).*?\s time: ([0-9.]+)", out.stdout + out.stderr)]


def samples_per_second(times: list[float], batch: int, skip: int) -> float:
    steady = times[skip:]
    if not steady:
        raise RuntimeError(f"only {len(times)} step times logged; raise --steps")
    return batch / statistics.mean(steady)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="clipx-RN-tiny-64")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--skip", type=int, default=3, help="warm-up steps left out of the average")
    parser.add_argument("--bf16", action="store_true", help="also time clipx under bf16 autocast")
    args = parser.parse_args()
    runs = [("open_clip_train", run_open_clip), ("clipx", run_clipx)]
    if args.bf16:
        runs.append(("clipx bf16", partial(run_clipx, extra=BF16_OPTIONS)))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv = make_data(tmp / "data", args.batch * args.steps)
        results = {}
        for name, run in runs:
            times = run(csv, tmp / name, args)
            results[name] = samples_per_second(times, args.batch, args.skip)
            print(f"  {name:>15}: {results[name]:7.1f} samples/s ({len(times)} steps logged)", flush=True)
    print(f"{args.model}, batch {args.batch}, fp32, 1 worker: clipx / open_clip_train = "
          f"{results['clipx'] / results['open_clip_train']:.2f}x")
    if args.bf16:
        from clipx.engine.precision import cpu_flags

        flags = sorted(cpu_flags() & {"avx512_bf16", "amx_bf16", "amx_tile"}) or ["none"]
        print(f"clipx bf16 autocast / fp32 = {results['clipx bf16'] / results['clipx']:.2f}x "
              f"(bf16 CPU flags: {' '.join(flags)})")


if __name__ == "__main__":
    main()
