"""ViLD-image's targets: CLIP embeddings of proposal crops, precomputed once per training image.

For each image: the top-M proposals (from the detector's RPN or a file) are
cropped at 1x and 1.5x context, resized to CLIP's input size (or, with
``crop_mode="mask"``, kept in place in the whole image with the rest blanked
out), encoded with the frozen CLIP, and the per-scale embeddings are normalised, averaged and
normalised again. One ``.npz`` per image (``boxes`` xyxy in original pixels,
``scores``, ``embeds``) under ``regions/``, plus ``index.json``. Finished
images are skipped on a rerun, so a stopped run resumes; unreadable images
are skipped and listed in the index.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import Compose
from mmengine.dataset import pseudo_collate
from torchvision.ops import roi_align
from tqdm import tqdm

from clipx.backbone import FrozenCLIP
from clipx.backbone.feature_cache import FeatureCache, backbone_identity

from .data import region_cache, region_file_name
from .scope import mmdet_scope

REGION_FORMAT = 2  # 2: the backbone is identified by a content hash of its image tower
# (img_id, path, BGR image) -> (boxes (M, 4) xyxy original pixels, scores (M,))
ProposalFn = Callable[
    [Sequence[tuple[int, str, np.ndarray]]], list[tuple[torch.Tensor, torch.Tensor]]
]


def expand_boxes(boxes: torch.Tensor, factor: float) -> torch.Tensor:
    """(M, 4) xyxy boxes scaled by ``factor`` about their centres."""
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = (boxes[:, 2:] - boxes[:, :2]) * (factor / 2)
    return torch.cat([centre - half, centre + half], dim=1)


@dataclass
class RegionEmbedder:
    """Crops boxes out of images and encodes them with a frozen CLIP.

    Args:
        clip: the teacher.
        scales: context factors; ViLD: 1x and 1.5x.
        crop_batch: crops per CLIP forward.
        crop_mode: ``"resize"`` (ViLD): each box is cut out and resized to
            CLIP's input size, so every object fills the crop. ``"mask"``: the
            whole image is resized to CLIP's input size and everything outside
            the box is set to CLIP's mean colour, so objects keep the scale
            they have in the image. A small CLIP trained at one scale (the
            shapes-world one) names masked boxes far better than resized ones.
    """

    clip: FrozenCLIP
    scales: tuple[float, ...] = (1.0, 1.5)
    crop_batch: int = 256
    crop_mode: str = "resize"
    _mean: torch.Tensor = field(init=False, repr=False)
    _std: torch.Tensor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.crop_mode not in ("resize", "mask"):
            raise ValueError(f"crop_mode={self.crop_mode!r}; use 'resize' (ViLD) or 'mask'.")
        cfg = self.clip.preprocess_cfg
        self._mean = torch.tensor(cfg["mean"], dtype=torch.float32).view(3, 1, 1)
        self._std = torch.tensor(cfg["std"], dtype=torch.float32).view(3, 1, 1)

    def normalise(self, rgb: np.ndarray) -> torch.Tensor:
        """(H, W, 3) uint8 RGB -> (3, H, W) float32 normalised as CLIP expects."""
        image = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float() / 255.0
        return (image - self._mean) / self._std

    def crops(self, image: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """(len(scales) * M, 3, S, S) crops of one normalised image; outside it reads as zeros (the mean)."""
        size = self.clip.image_size
        rois = torch.cat([expand_boxes(boxes.float(), s) for s in self.scales])
        if self.crop_mode == "mask":
            return self._masked(image, rois)
        rois = torch.cat([rois.new_zeros(len(rois), 1), rois], dim=1)
        return roi_align(
            image[None], rois, output_size=size, spatial_scale=1.0, sampling_ratio=2, aligned=True
        )

    def _masked(self, image: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        """The whole image at CLIP's size, zero (the mean colour) outside each box."""
        (out_h, out_w), (h, w) = self.clip.image_size, image.shape[-2:]
        full = F.interpolate(
            image[None], size=(out_h, out_w), mode="bilinear", align_corners=False, antialias=True
        )
        # pixel centres in the original image's coordinates
        ys = (torch.arange(out_h, dtype=torch.float32) + 0.5) * (h / out_h)
        xs = (torch.arange(out_w, dtype=torch.float32) + 0.5) * (w / out_w)
        inside_y = (ys[None] >= rois[:, 1:2]) & (ys[None] < rois[:, 3:4])  # (N, out_h)
        inside_x = (xs[None] >= rois[:, 0:1]) & (xs[None] < rois[:, 2:3])  # (N, out_w)
        keep = inside_y[:, :, None] & inside_x[:, None, :]
        return full * keep[:, None].to(full.dtype)

    @torch.no_grad()
    def embed(
        self, images: Sequence[torch.Tensor], boxes: Sequence[torch.Tensor]
    ) -> list[torch.Tensor]:
        """Per image, (M_i, D) ensembled, L2-normalised embeddings of its boxes."""
        crops = torch.cat([self.crops(img, b) for img, b in zip(images, boxes, strict=True)])
        feats = (
            torch.cat(
                [
                    self.clip.encode_image(crops[i : i + self.crop_batch])
                    for i in range(0, len(crops), self.crop_batch)
                ]
            )
            if len(crops)
            else crops.new_zeros(0, self.clip.embed_dim)
        )
        out, start = [], 0
        for b in boxes:
            n = len(b) * len(self.scales)
            per_scale = feats[start : start + n].view(len(self.scales), len(b), feats.shape[-1])
            out.append(F.normalize(F.normalize(per_scale, dim=-1).mean(dim=0), dim=-1))
            start += n
        return out


class RPNProposals:
    """The top ``num_regions`` proposals of a trained detector's RPN, in original pixels."""

    def __init__(self, model, num_regions: int) -> None:
        from .inference import _test_pipeline

        self.model = model.eval()
        self.model.rpn_head.test_cfg.max_per_img = int(num_regions)
        self.pipeline: Compose = _test_pipeline(model)

    @torch.no_grad()
    def __call__(
        self, items: Sequence[tuple[int, str, np.ndarray]]
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        samples = []
        for img_id, path, bgr in items:
            shape = bgr.shape[:2]
            samples.append(
                self.pipeline(
                    dict(img=bgr, img_id=img_id, img_path=path, img_shape=shape, ori_shape=shape)
                )
            )
        with mmdet_scope():
            data = self.model.data_preprocessor(pseudo_collate(samples), False)
            feats = self.model.extract_feat(data["inputs"])
            results = self.model.rpn_head.predict(feats, data["data_samples"], rescale=True)
        return [(r.bboxes.cpu(), r.scores.cpu()) for r in results]


class FileProposals:
    """Proposals from a COCO results-style json: ``[{"image_id", "bbox": [x, y, w, h], "score"}, ...]``."""

    def __init__(self, path: str | os.PathLike, num_regions: int) -> None:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
        by_image: dict[int, list] = defaultdict(list)
        for r in rows:
            x, y, w, h = r["bbox"]
            by_image[r["image_id"]].append((float(r.get("score", 1.0)), [x, y, x + w, y + h]))
        self.by_image = {
            k: sorted(v, key=lambda t: -t[0])[:num_regions] for k, v in by_image.items()
        }

    def __call__(self, items):
        out = []
        for img_id, _, _ in items:
            rows = self.by_image.get(img_id, [])
            boxes = torch.tensor([b for _, b in rows], dtype=torch.float32).view(-1, 4)
            out.append((boxes, torch.tensor([s for s, _ in rows], dtype=torch.float32)))
        return out


def _write_npz(path: Path, boxes: torch.Tensor, scores: torch.Tensor, embeds: torch.Tensor) -> None:
    np.savez(
        path,
        boxes=boxes.numpy().astype(np.float32),
        scores=scores.numpy().astype(np.float32),
        embeds=embeds.numpy().astype(np.float16),
    )


def _batches(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def region_settings(embedder: RegionEmbedder) -> dict:
    """What decides the stored embeddings: the backbone's identity, the crop scales and mode."""
    return {
        "format": REGION_FORMAT,
        "backbone": backbone_identity(embedder.clip),
        "embed_dim": embedder.clip.embed_dim,
        "scales": list(embedder.scales),
        "crop_mode": embedder.crop_mode,
    }


def _read_images(
    batch: Sequence[tuple[int, str]], cache: FeatureCache
) -> list[tuple[int, str, np.ndarray]]:
    """(img_id, path, BGR image) of the readable images; the others are recorded as skipped."""
    readable = []
    for img_id, path in batch:
        try:
            bgr = mmcv.imread(path)
            if bgr is None:
                raise OSError("not a readable image")
            readable.append((img_id, path, bgr))
        except Exception as err:  # noqa: BLE001 - any decoder error means: skip and report
            cache.skip(str(img_id), f"{type(err).__name__}: {err}", img_id=img_id, path=path)
    return readable


def precompute_regions(
    images: Sequence[tuple[int, str]],
    out_dir: str | os.PathLike,
    *,
    embedder: RegionEmbedder,
    proposals: ProposalFn,
    batch_images: int = 8,
    progress: bool = True,
    meta: dict | None = None,
    overwrite: bool = False,
) -> dict:
    """Write region embeddings for ``images`` (``(img_id, path)``), skipping finished ones.

    The folder is a :class:`~clipx.backbone.feature_cache.FeatureCache`:
    resuming into one whose embeddings came from another backbone, other
    scales or another crop mode is refused (``overwrite=True`` deletes its
    regions first). Unreadable images are skipped and listed.

    Returns:
        The index written to ``out_dir/index.json``: the settings
        (:func:`region_settings`), ``meta`` (the run's description),
        ``images`` (id -> file) and ``skipped`` (unreadable images with the
        error).
    """
    cache = region_cache(out_dir)
    cache.start(region_settings(embedder), overwrite=overwrite)
    todo = [(i, p) for i, p in images if not cache.done(region_file_name(i))]
    bar = tqdm(
        total=len(images),
        initial=len(images) - len(todo),
        desc="region embeddings",
        unit="img",
        disable=not progress,
    )
    try:
        for batch in _batches(todo, batch_images):
            readable = _read_images(batch, cache)
            if readable:
                found = proposals(readable)
                tensors = [embedder.normalise(bgr[..., ::-1]) for _, _, bgr in readable]
                embeds = embedder.embed(tensors, [b for b, _ in found])
                for (img_id, _, _), (boxes, scores), emb in zip(
                    readable, found, embeds, strict=True
                ):
                    cache.save(
                        region_file_name(img_id),
                        partial(_write_npz, boxes=boxes, scores=scores, embeds=emb),
                    )
            bar.update(len(batch))
    finally:
        bar.close()
        files = {str(i): region_file_name(i) for i, _ in images if cache.done(region_file_name(i))}
        index = cache.finish(attempted=[str(i) for i, _ in todo], meta=meta or {}, images=files)
    return index
