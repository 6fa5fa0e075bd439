"""How much absolute position a frozen CLIP's global image embedding carries.

    python benchmarks/position_probe.py --model clipx-RN-tiny-64 \
        --checkpoint work_dirs/clip_rn-tiny-64_1xb256-1000it_shapes-world/clip_latest.pt

Renders single-shape shapes-world images, embeds them with the frozen model,
fits a linear probe (logistic regression) for "left vs right half" and "top vs
bottom half" on 3/4 of them and prints its accuracy on the rest (chance 50%).
Temporal heads over global frame embeddings (CLIP4Clip) can only read a
motion's direction if this is high.
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from PIL import Image

from clipx.backbone import FrozenCLIP
from clipx.shapes_world import ShapesRenderer, ShapesWorldConfig, image_rng, sample_scene


def probe_accuracy(embeds: torch.Tensor, labels: torch.Tensor, train: int, steps: int = 500) -> float:
    w = torch.zeros(embeds.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=0.05)
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(embeds[:train] @ w + b, labels[:train])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return (((embeds[train:] @ w + b) > 0).float() == labels[train:]).float().mean().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--num", type=int, default=1600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    clip = FrozenCLIP(model_name=args.model, checkpoint=args.checkpoint)
    size = clip.image_size[0]
    cfg = ShapesWorldConfig(image_size=size, min_objects=1, max_objects=1, seed=args.seed)
    renderer, transform = ShapesRenderer(), clip.image_transform()
    images, right, bottom = [], [], []
    for i in range(args.num):
        scene = sample_scene(cfg, image_rng(args.seed, "position-probe", i))
        image, _ = renderer.render(scene)
        images.append(transform(Image.fromarray(image)))
        right.append(float(scene.objects[0].center[0] > size / 2))
        bottom.append(float(scene.objects[0].center[1] > size / 2))
    embeds = torch.cat([clip.encode_image(torch.stack(images[i : i + 256])) for i in range(0, args.num, 256)])
    train = args.num * 3 // 4
    for name, labels in (("left vs right", right), ("top vs bottom", bottom)):
        acc = probe_accuracy(embeds, torch.tensor(labels), train)
        print(f"{args.model}: {name} linear probe {100 * acc:.1f}% on {args.num - train} held-out images (chance 50%)")


if __name__ == "__main__":
    main()
