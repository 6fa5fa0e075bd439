"""LSeg speed: training with the backbone frozen vs trainable, inference at two sizes and precisions.

    python benchmarks/lseg_speed.py [--model ViT-B-32] [--batch 4] [--iters 3] [--classes 150]

Random weights (speed does not depend on them). Each case runs in its own
process, so peak memory is the case's own: ``torch.cuda.max_memory_allocated``
on a GPU, on the CPU the growth of the process's peak resident memory over
what it held before the first step (model, data and text embeddings built).

* Training step (forward, backward, AdamW step) of the same LSeg head with
  the backbone frozen and with the whole image tower trainable (the
  baseline), at ``--train-size``.
* Inference images/s (``predict``, whole image) at 224 and 480 px with the
  backbone's weights in fp32 (the baseline) and in bf16; the head stays fp32.

Ratios are against the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import torch

VIT_HEAD = dict(channels=256, reassemble_scales=(4, 2, 1, 0.5))


def build(args: argparse.Namespace, *, trainable: bool, precision: str):
    from clipx.backbone import FrozenCLIP
    from clipx.seg import LSegHead, LSegSegmentor

    clip = FrozenCLIP(
        model_name=args.model,
        dense_indices=tuple(args.dense_indices),
        precision=precision,
        unfreeze=dict(names=("visual",)) if trainable else None,
    )
    head = dict(type=LSegHead, **(VIT_HEAD if clip.is_vit else dict(channels=64)))
    model = LSegSegmentor(
        backbone=clip,
        decode_head=head,
        class_names=[f"class {i}" for i in range(args.classes)],
        templates="name",
    )
    return model.to(args.device)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb(device: str, rss_before: float) -> float:
    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before


def train_case(args: argparse.Namespace, trainable: bool) -> dict:
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    model = build(args, trainable=trainable, precision="fp32").train()
    size = args.train_size
    images = torch.randn(args.batch, 3, size, size, device=args.device)
    samples = []
    for _ in range(args.batch):
        sample = SegDataSample(metainfo=dict(img_shape=(size, size), pad_shape=(size, size)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, args.classes, (1, size, size), device=args.device)
        )
        samples.append(sample)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)

    def step() -> None:
        loss = model.loss(images, samples)["decode.loss_ce"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    model.text_embeds(model.train_vocabulary)  # the prompt bank encodes once, outside the timing
    rss_before = _rss_mb()
    if args.device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    step()  # warm-up (allocates the optimizer state)
    _sync(args.device)
    start = time.perf_counter()
    for _ in range(args.iters):
        step()
    _sync(args.device)
    seconds = (time.perf_counter() - start) / args.iters
    return dict(
        step_s=seconds,
        peak_mb=_peak_mb(args.device, rss_before),
        trainable_params=sum(p.numel() for p in params),
    )


@torch.no_grad()
def infer_case(args: argparse.Namespace, size: int, precision: str) -> dict:
    model = build(args, trainable=False, precision=precision).eval()
    images = torch.randn(args.batch, 3, size, size, device=args.device)
    model.predict(images)  # warm-up; encodes the labels once
    _sync(args.device)
    start = time.perf_counter()
    for _ in range(args.iters):
        model.predict(images)
    _sync(args.device)
    return dict(images_per_s=args.batch * args.iters / (time.perf_counter() - start))


CASES = {
    "train-trainable": lambda a: train_case(a, trainable=True),
    "train-frozen": lambda a: train_case(a, trainable=False),
    "infer-224-fp32": lambda a: infer_case(a, 224, "fp32"),
    "infer-224-bf16": lambda a: infer_case(a, 224, "bf16"),
    "infer-480-fp32": lambda a: infer_case(a, 480, "fp32"),
    "infer-480-bf16": lambda a: infer_case(a, 480, "bf16"),
}


def run_case(name: str, argv: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *argv, "--case", name],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="ViT-B-32")
    parser.add_argument("--dense-indices", type=int, nargs="+", default=[2, 5, 8, 11])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--classes", type=int, default=150, help="vocabulary size (ADE20K: 150)")
    parser.add_argument("--train-size", type=int, default=224)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.case:
        print(json.dumps(CASES[args.case](args)))
        return

    argv = [a for a in sys.argv[1:]]
    print(
        f"{args.model} (dense blocks {args.dense_indices}), batch {args.batch}, {args.iters} iters, "
        f"{args.classes} labels, {torch.get_num_threads()} threads, device {args.device}"
    )
    r = {name: run_case(name, argv) for name in CASES}
    memory = "peak GPU memory" if args.device.startswith("cuda") else "peak RSS growth"
    print(f"training step at {args.train_size} px (baseline: backbone trainable)")
    for name in ("train-trainable", "train-frozen"):
        x = r[name]
        print(
            f"  {name[6:]:10s} {x['step_s']:7.3f} s/step  {x['peak_mb']:8.0f} MB {memory}  "
            f"{x['trainable_params'] / 1e6:6.2f} M trainable"
        )
    t, f = r["train-trainable"], r["train-frozen"]
    print(
        f"  frozen vs trainable: {t['step_s'] / f['step_s']:.2f}x faster, {f['peak_mb'] / t['peak_mb']:.2f}x the memory"
    )
    print("inference images/s (baseline: fp32 backbone)")
    for size in (224, 480):
        fp32, bf16 = (
            r[f"infer-{size}-fp32"]["images_per_s"],
            r[f"infer-{size}-bf16"]["images_per_s"],
        )
        print(f"  {size} px: fp32 {fp32:7.2f}  bf16 {bf16:7.2f}  bf16/fp32 {bf16 / fp32:.2f}x")


if __name__ == "__main__":
    main()
