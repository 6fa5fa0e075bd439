"""Whether a frozen CLIP tells motion directions apart: in its text tower, and in its frames.

    python benchmarks/direction_words.py --model clipx-RN-tiny-64 \
        --checkpoint work_dirs/clip_rn-tiny-64_1xb256-1000it_shapes-world/clip_latest.pt

A CLIP4Clip head trains on top of both towers frozen, so it can only learn to
tell "moving up" from "moving down" if (1) the frozen text tower gives the two
captions different embeddings and (2) the frozen frame embeddings carry the
motion. This prints both:

- Text: the cosine similarity of clip captions that differ only in the
  direction word ("a red circle moving up" / "... moving down"), averaged over
  every colour x shape, for each pair of words; the same for place phrases
  ("at the top" / "at the bottom"). A value near 1.0 means the text tower
  barely knows the words apart.
- Frames: one-object clips of the video world, first and last frames
  embedded. A 4-way linear probe (softmax regression) for the direction on
  last-minus-first, and on the order-blind mean of the two (which can read the
  axis but not its sign: at most 50%), on 3/4 of the clips; accuracy on the
  rest (chance 25%).
"""

from __future__ import annotations

import argparse
import itertools

import torch
import torch.nn.functional as F
from PIL import Image

from clipx.backbone import FrozenCLIP
from clipx.shapes_world import ShapesWorldConfig, image_rng
from clipx.shapes_world.motion import DIRECTIONS, VideoWorldConfig, render_clip, sample_group

PAIRS = {
    "moving up / moving down": ("a {} moving up", "a {} moving down"),
    "moving left / moving right": ("a {} moving left", "a {} moving right"),
    "moving up / moving left": ("a {} moving up", "a {} moving left"),
    "at the top / at the bottom": ("a {} at the top", "a {} at the bottom"),
    "on the left / on the right": ("a {} on the left", "a {} on the right"),
}


def text_similarities(clip: FrozenCLIP, objects: list[str]) -> dict[str, float]:
    """Mean cosine similarity of each caption pair of :data:`PAIRS` over ``objects``."""
    out = {}
    for name, (a, b) in PAIRS.items():
        ea = clip.encode_text([a.format(o) for o in objects])
        eb = clip.encode_text([b.format(o) for o in objects])
        out[name] = F.cosine_similarity(ea, eb, dim=-1).mean().item()
    return out


def probe_accuracy(feats: torch.Tensor, labels: torch.Tensor, train: int, steps: int = 500) -> float:
    """Held-out accuracy of a softmax regression fitted to the first ``train`` rows."""
    feats = (feats - feats[:train].mean(0)) / (feats[:train].std(0) + 1e-6)
    layer = torch.nn.Linear(feats.shape[1], int(labels.max()) + 1)
    opt = torch.optim.Adam(layer.parameters(), lr=0.01, weight_decay=1e-3)
    for _ in range(steps):
        loss = F.cross_entropy(layer(feats[:train]), labels[:train])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return (layer(feats[train:]).argmax(-1) == labels[train:]).float().mean().item()


def frame_features(clip: FrozenCLIP, cfg: VideoWorldConfig, num: int, seed: int):
    """(first, last) frame embeddings of ``num`` one-object clips and their direction labels."""
    names = list(DIRECTIONS)
    transform = clip.image_transform()
    firsts, lasts, labels = [], [], []
    for i in range(num):
        (moving,) = sample_group(cfg, image_rng(seed, "direction-probe", i), 1)
        frames = render_clip(moving, cfg.num_frames)
        firsts.append(transform(Image.fromarray(frames[0])))
        lasts.append(transform(Image.fromarray(frames[-1])))
        labels.append(names.index(moving.motions[0].direction))

    def encode(images: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat(
            [clip.encode_image(torch.stack(images[i : i + 256])) for i in range(0, num, 256)]
        )

    return encode(firsts), encode(lasts), torch.tensor(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--checkpoint", help="a clipx CLIP checkpoint (default: random weights)")
    parser.add_argument("--num", type=int, default=1200, help="one-object clips for the frame probe")
    parser.add_argument("--rendering", choices=("plain", "mixed", "varied"), default="mixed")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    clip = FrozenCLIP(model_name=args.model, checkpoint=args.checkpoint)
    make = {"plain": ShapesWorldConfig, "mixed": ShapesWorldConfig.mixed, "varied": ShapesWorldConfig.varied}
    world = make[args.rendering](image_size=clip.image_size[0], min_objects=1, max_objects=1, seed=args.seed)
    objects = [f"{c} {s}" for c, s in itertools.product(world.colours, world.shapes)]
    print(f"{args.model}: text cosine similarity, mean over {len(objects)} colour x shape objects")
    for name, sim in text_similarities(clip, objects).items():
        print(f"  {name:28s} {sim:.3f}")
    first, last, labels = frame_features(clip, VideoWorldConfig(world=world), args.num, args.seed)
    train = args.num * 3 // 4
    print(f"{args.model}: 4-way direction probe on {args.num - train} held-out one-object clips (chance 25%)")
    for name, feats in (
        ("last - first frame", last - first),
        ("mean of the two (order-blind, at most 50%)", (first + last) / 2),
    ):
        print(f"  {name:44s} {100 * probe_accuracy(feats, labels, train):.1f}%")


if __name__ == "__main__":
    main()
