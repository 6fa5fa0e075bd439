"""ViLD costs measured in one run: crop-embedding precompute throughput (fp32 vs bf16 CLIP) and the
training step with ViLD-image distillation on vs off.

    python benchmarks/vild_speed.py [--config configs/vild/...py] [--images 64] [--regions 16] [--iters 10]

Precompute: ``--images`` synthetic images at the config's size, ``--regions`` boxes each, cropped at
1x and 1.5x and encoded by the config's CLIP; prints crops/s per precision and bf16 / fp32.
Training: the config's model on a fake batch (``--batch`` images, 3 boxes each, ``--regions`` stored
regions each) with ``distill_weight`` 0 and 0.5; prints s/step for each and on / off. Both ratios are
against a baseline measured in the same run. Without the CLIP checkpoint the weights are random (the
timings do not depend on them).
"""

from __future__ import annotations

import argparse
import copy
import os
import time

import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData

from clipx.apis import build_model, read_config
from clipx.backbone import FrozenCLIP
from clipx.backbone.regions import RegionEmbedder

DEFAULT_CONFIG = "configs/vild/vild_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py"


def clip_kwargs(cfg: Config) -> dict:
    kw = {k: v for k, v in cfg.model.clip.items() if k != "type"}
    if kw.get("checkpoint") and not os.path.isfile(kw["checkpoint"]):
        print(f"  ({kw.pop('checkpoint')} not found: random weights)")
    return kw


def crops_per_second(
    clip: FrozenCLIP, size: int, images: int, regions: int, crop_batch: int, crop_mode: str
) -> float:
    embedder = RegionEmbedder(clip, crop_batch=crop_batch, crop_mode=crop_mode)
    gen = torch.Generator().manual_seed(0)
    pictures = [torch.randn(3, size, size, generator=gen) for _ in range(images)]
    xy = torch.rand(images, regions, 2, generator=gen) * size * 0.7
    wh = 8 + torch.rand(images, regions, 2, generator=gen) * size * 0.3
    boxes = list(torch.cat([xy, xy + wh], dim=-1))
    embedder.embed(pictures[:2], boxes[:2])  # warm-up
    start = time.perf_counter()
    for i in range(0, images, 8):
        embedder.embed(pictures[i : i + 8], boxes[i : i + 8])
    return images * regions * len(embedder.scales) / (time.perf_counter() - start)


def fake_batch(batch: int, size: int, regions: int, dim: int) -> dict:
    gen = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for i in range(batch):
        inputs.append(torch.randint(0, 255, (3, size, size), generator=gen, dtype=torch.uint8))
        xy = torch.rand(3, 2, generator=gen) * size * 0.6
        sample = DetDataSample(
            metainfo=dict(
                img_id=i,
                img_shape=(size, size),
                ori_shape=(size, size),
                scale_factor=(1.0, 1.0),
                pad_shape=(size, size),
            )
        )
        sample.gt_instances = InstanceData(
            bboxes=torch.cat([xy, xy + size * 0.3], 1), labels=torch.tensor([0, 1, 2])
        )
        sample.ignored_instances = InstanceData(
            bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long)
        )
        r_xy = torch.rand(regions, 2, generator=gen) * size * 0.6
        sample.distill_regions = InstanceData(
            bboxes=torch.cat([r_xy, r_xy + size * 0.3], 1),
            embeds=torch.nn.functional.normalize(torch.randn(regions, dim, generator=gen), dim=-1),
        )
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def seconds_per_step(
    cfg: Config, distill_weight: float, batch: int, regions: int, iters: int
) -> float:
    options = {
        "model.clip.checkpoint": clip_kwargs(cfg).get("checkpoint"),
        "model.roi_head.distill_weight": distill_weight,
    }
    torch.manual_seed(0)
    model = build_model(read_config(cfg, cfg_options=options))
    model.init_weights()
    model.set_training_vocabulary(["circle", "square", "triangle", "cross"])
    model.train()
    optim = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3, momentum=0.9
    )
    size = cfg.get("image_size", 128)
    data = fake_batch(batch, size, regions, model.clip.embed_dim)
    times = []
    for i in range(iters + 2):
        start = time.perf_counter()
        prepared = model.data_preprocessor(copy.deepcopy(data), True)
        losses = model.loss(prepared["inputs"], prepared["data_samples"])
        model.parse_losses(losses)[0].backward()
        optim.step()
        optim.zero_grad()
        if i >= 2:  # warm-up
            times.append(time.perf_counter() - start)
    return sum(times) / len(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", default=DEFAULT_CONFIG)
    parser.add_argument("--images", type=int, default=64, help="images for the precompute timing")
    parser.add_argument("--regions", type=int, default=16, help="proposals per image")
    parser.add_argument("--crop-batch", type=int, default=256)
    parser.add_argument("--batch", type=int, default=8, help="training batch")
    parser.add_argument("--iters", type=int, default=10, help="timed training steps")
    args = parser.parse_args()
    cfg = read_config(args.config)
    size = cfg.get("image_size", 128)
    print(
        f"{args.config}: {size}-px images, {torch.get_num_threads()} threads, "
        f"device {'cuda' if torch.cuda.is_available() else 'cpu'}"
    )

    print(f"Precompute: {args.images} images x {args.regions} regions x 2 contexts")
    rates = {}
    for precision in ("fp32", "bf16"):
        clip = FrozenCLIP(**clip_kwargs(cfg), precision=precision)
        rates[precision] = crops_per_second(
            clip,
            size,
            args.images,
            args.regions,
            args.crop_batch,
            cfg.get("region_crop_mode", "resize"),
        )
        print(f"  {precision}: {rates[precision]:.0f} crops/s")
    print(f"  bf16 / fp32: {rates['bf16'] / rates['fp32']:.2f}x")

    print(
        f"Training step: batch {args.batch}, {args.regions} stored regions per image, {args.iters} steps"
    )
    off = seconds_per_step(cfg, 0.0, args.batch, args.regions, args.iters)
    print(f"  distillation off: {off:.3f} s/step")
    on = seconds_per_step(cfg, 0.5, args.batch, args.regions, args.iters)
    print(f"  distillation on:  {on:.3f} s/step")
    print(f"  on / off: {on / off:.2f}x")


if __name__ == "__main__":
    main()
