"""Image-text retrieval: recall at K and median rank, an mmengine metric and model.

Several captions may describe one image. Text-to-image: every caption is a
query, correct at K when its image is in its top K. Image-to-text: an image is
correct at K when any of its captions is in its top K (its rank is the best
rank among its captions). Ties follow the rule of :mod:`clipx.evaluation.zeroshot`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel

from clipx.backbone import FrozenCLIP, build_clip
from clipx.data.batch import sample_fields, stack_images
from clipx.registry import METRICS, MODELS

from .zeroshot import rank_of


def best_rank_of(scores: torch.Tensor, is_target: torch.Tensor) -> torch.Tensor:
    """0-based rank of the best-placed of several targets per query.

    Args:
        scores: (Q, N) scores.
        is_target: (Q, N) bool; every row has at least one target.

    Returns:
        (Q,) long ranks.
    """
    best = scores.masked_fill(~is_target, float("-inf")).amax(1, keepdim=True)
    # argmax returns the first maximum: the target a stable sort puts first
    first = (is_target & (scores == best)).int().argmax(1)
    return rank_of(scores, first)


def retrieval_ranks(
    image_embeds: torch.Tensor,
    text_embeds: torch.Tensor,
    text_to_image: torch.Tensor,
    *,
    chunk_size: int = 512,
) -> tuple[torch.Tensor, torch.Tensor]:
    """0-based ranks of image-to-text and text-to-image retrieval.

    Scores are dot products (cosines for L2-normalised embeddings), computed
    ``chunk_size`` queries at a time, so memory is O(chunk_size * max(N_img, N_txt)).

    Args:
        image_embeds: (N_img, D).
        text_embeds: (N_txt, D).
        text_to_image: (N_txt,) long, the index of the image each caption describes.
        chunk_size: queries scored per matrix product.

    Returns:
        ``(i2t, t2i)``: (N_i2t,) long best rank among each image's captions, for
        the N_i2t images that have captions (in index order; images without
        captions only act as distractors for text-to-image); (N_txt,) long rank
        of each caption's image.
    """
    n_img, n_txt = image_embeds.shape[0], text_embeds.shape[0]
    text_to_image = torch.as_tensor(text_to_image, dtype=torch.long, device=text_embeds.device).reshape(-1)
    _check_shapes(image_embeds, text_embeds, text_to_image)
    images, texts = image_embeds.float(), text_embeds.float().to(image_embeds.device)
    text_to_image = text_to_image.to(image_embeds.device)
    t2i = torch.cat(
        [
            rank_of(texts[i : i + chunk_size] @ images.T, text_to_image[i : i + chunk_size])
            for i in range(0, n_txt, chunk_size)
        ]
    )
    captioned = torch.bincount(text_to_image, minlength=n_img).nonzero().flatten()
    i2t = [
        best_rank_of(images[idx] @ texts.T, text_to_image[None, :] == idx[:, None])
        for idx in captioned.split(chunk_size)
    ]
    return torch.cat(i2t), t2i


def retrieval_metrics(
    image_embeds: torch.Tensor,
    text_embeds: torch.Tensor,
    text_to_image: torch.Tensor,
    *,
    ks: Sequence[int] = (1, 5, 10),
    chunk_size: int = 512,
) -> dict[str, float]:
    """Recall at K (percent) and median rank, both directions.

    Args:
        image_embeds: (N_img, D).
        text_embeds: (N_txt, D).
        text_to_image: (N_txt,) long, the index of the image each caption describes.
        ks: the K of each recall.
        chunk_size: queries scored per matrix product (see :func:`retrieval_ranks`).

    Returns:
        ``{'i2t_R@1': ..., 'i2t_R@5': ..., 'i2t_R@10': ..., 'i2t_MedR': ...,
        't2i_R@1': ..., ..., 't2i_MedR': ...}``. MedR is 1-based, as in VSE++:
        ``floor(median(0-based ranks)) + 1``.
    """
    i2t, t2i = retrieval_ranks(image_embeds, text_embeds, text_to_image, chunk_size=chunk_size)
    metrics = {}
    for name, ranks in (("i2t", i2t), ("t2i", t2i)):
        for k in ks:
            metrics[f"{name}_R@{k}"] = 100.0 * (ranks < k).sum().item() / ranks.numel()
        metrics[f"{name}_MedR"] = float(np.floor(np.median(ranks.cpu().numpy())) + 1)
    return metrics


def _check_shapes(image_embeds: torch.Tensor, text_embeds: torch.Tensor, text_to_image: torch.Tensor) -> None:
    if image_embeds.ndim != 2 or text_embeds.ndim != 2 or image_embeds.shape[1] != text_embeds.shape[1]:
        raise ValueError(
            f"image_embeds (N_img, D) and text_embeds (N_txt, D) must share D; got shapes "
            f"{tuple(image_embeds.shape)} and {tuple(text_embeds.shape)}."
        )
    if image_embeds.shape[0] == 0 or text_embeds.shape[0] == 0:
        raise ValueError("Retrieval needs at least one image and one caption.")
    if text_to_image.numel() != text_embeds.shape[0]:
        raise ValueError(
            f"text_to_image has {text_to_image.numel()} entries for {text_embeds.shape[0]} captions; "
            "give the image index of every caption."
        )
    bad = text_to_image[(text_to_image < 0) | (text_to_image >= image_embeds.shape[0])]
    if bad.numel():
        raise ValueError(f"text_to_image holds {bad[0].item()}, outside [0, {image_embeds.shape[0]}).")


@METRICS.register_module()
class ImageTextRetrieval(BaseMetric):
    """Image-to-text and text-to-image recall at K (percent) and median rank.

    Contract: each data sample the model returns describes one image and all
    its captions:

    * ``'img_id'``: a unique, sortable id (int or str) of the image;
    * ``'image_embeds'``: (D,), L2-normalised;
    * ``'text_embeds'``: (K, D), L2-normalised, its K >= 0 captions.

    Because every sample carries its own captions, the results of all ranks
    gathered by mmengine's ``collect_results`` (in any order) rebuild the whole
    gallery: images are sorted by ``img_id`` and a repeated id counts once.

    Metrics (under the prefix ``retrieval/``): ``i2t_R@{k}``, ``i2t_MedR``,
    ``t2i_R@{k}``, ``t2i_MedR`` (see :func:`retrieval_metrics`).

    Args:
        ks: the K of each recall.
        chunk_size: queries scored per matrix product.
        collect_device: ``'cpu'`` or ``'gpu'``, how results are gathered.
        prefix: metric-name prefix; default ``'retrieval'``.
    """

    default_prefix = "retrieval"

    def __init__(
        self,
        *,
        ks: Sequence[int] = (1, 5, 10),
        chunk_size: int = 512,
        collect_device: str = "cpu",
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ks = tuple(int(k) for k in ks)
        self.chunk_size = int(chunk_size)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            missing = [k for k in ("img_id", "image_embeds", "text_embeds") if k not in sample]
            if missing:
                raise KeyError(
                    f"A retrieval data sample needs 'img_id', 'image_embeds' (D,) and 'text_embeds' "
                    f"(K, D); {missing} missing from keys {sorted(sample)}."
                )
            image = torch.as_tensor(sample["image_embeds"]).detach().float().cpu().reshape(-1)
            texts = torch.as_tensor(sample["text_embeds"]).detach().float().cpu().reshape(-1, image.numel())
            self.results.append({"img_id": sample["img_id"], "image_embeds": image, "text_embeds": texts})

    def compute_metrics(self, results: list) -> dict[str, float]:
        by_id: dict = {}
        for r in results:
            by_id.setdefault(r["img_id"], r)
        ordered = [by_id[key] for key in sorted(by_id)]
        images = torch.stack([r["image_embeds"] for r in ordered])
        texts = torch.cat([r["text_embeds"] for r in ordered])
        owners = torch.cat(
            [torch.full((len(r["text_embeds"]),), i, dtype=torch.long) for i, r in enumerate(ordered)]
        )
        return retrieval_metrics(images, texts, owners, ks=self.ks, chunk_size=self.chunk_size)


@MODELS.register_module()
class ImageTextRetrievalModel(BaseModel):
    """Evaluation-only mmengine model: embeds images and their captions.

    Input data samples (e.g. from :class:`~clipx.data.captions.CsvImageCaptions`)
    carry ``captions`` (list[str]) and ``img_id``. ``test_step``/``val_step``
    return per image the dict :class:`ImageTextRetrieval` consumes:
    ``img_id``, ``image_embeds`` (D,) and ``text_embeds`` (K, D).

    Args:
        clip: a :class:`FrozenCLIP` or its config dict.
        data_preprocessor: mmengine data preprocessor config; the default
            only moves data to the device.
    """

    def __init__(
        self, *, clip: FrozenCLIP | dict, data_preprocessor: dict | None = None, init_cfg: dict | None = None
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.clip = build_clip(clip)

    def forward(self, inputs, data_samples=None, mode: str = "predict") -> list[dict]:
        if mode != "predict":
            raise ValueError(f"{type(self).__name__} only evaluates; got mode='{mode}', expected 'predict'.")
        samples = list(data_samples or [])
        image_embeds = self.clip.encode_image(stack_images(inputs))
        if len(samples) != len(image_embeds):
            raise ValueError(
                f"Got {len(image_embeds)} images but {len(samples)} data samples; retrieval needs each "
                "image's captions and img_id."
            )
        captions = [list(s.get("captions", None) or []) for s in samples]
        flat = [c for caps in captions for c in caps]
        text_embeds = self.clip.encode_text(flat) if flat else image_embeds.new_zeros(0, image_embeds.shape[1])
        per_image = text_embeds.split([len(caps) for caps in captions])
        return [
            {**sample_fields(s, ("img_id",)), "image_embeds": image, "text_embeds": texts}
            for s, image, texts in zip(samples, image_embeds, per_image, strict=True)
        ]
