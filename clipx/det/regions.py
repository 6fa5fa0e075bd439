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
from functools import partial
from pathlib import Path

import mmcv
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.dataset import pseudo_collate
from tqdm import tqdm

from clipx.backbone.feature_cache import FeatureCache, backbone_identity
from clipx.backbone.regions import RegionEmbedder

from .data import region_cache, region_file_name
from .scope import mmdet_scope

REGION_FORMAT = 2  # 2: the backbone is identified by a content hash of its image tower
# (img_id, path, BGR image) -> (boxes (M, 4) xyxy original pixels, scores (M,))
ProposalFn = Callable[
    [Sequence[tuple[int, str, np.ndarray]]], list[tuple[torch.Tensor, torch.Tensor]]
]


class RPNProposals:
    """The top ``num_regions`` proposals of a trained detector's RPN, in original pixels."""

    def __init__(self, model, num_regions: int) -> None:
        from .inference import inference_pipeline

        self.model = model.eval()
        self.model.rpn_head.test_cfg.max_per_img = int(num_regions)
        self.pipeline: Compose = inference_pipeline(model)

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
