"""Few-shot classification on the frozen CLIP: CLIP-Adapter and Tip-Adapter in one head."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from clipx.backbone import FrozenCLIP, Vocabulary, build_clip, class_logits
from clipx.backbone.templates import resolve_templates
from clipx.data.batch import gt_labels as batch_labels
from clipx.data.batch import sample_fields, stack_images
from clipx.registry import MODELS

from .adapter import ResidualAdapter
from .cache import TipAdapterCache


@MODELS.register_module()
class CLIPAdapterClassifier(BaseModel):
    """Classify images by cosine with prompted class names, helped by few shots.

    Logits of an image with frozen embedding ``f`` (B, D) over C class names:

    * zero-shot: ``s * f @ W.T``, ``W`` (C, D) the prompt-ensembled class
      embeddings (:meth:`FrozenCLIP.embed_classes`), ``s`` CLIP's logit scale;
    * ``adapter`` (CLIP-Adapter): ``s * adapter(f) @ W.T`` with a trained
      :class:`ResidualAdapter`;
    * ``cache`` (Tip-Adapter): plus ``cache(f)``, the affinity-weighted
      one-hot labels of the cached few-shot embeddings (:class:`TipAdapterCache`).
      The cache scores only in ``predict``/``tensor`` mode: in training every
      image would find itself in it.

    With neither it is plain zero-shot CLIP. Only the adapter trains, with
    cross-entropy over all C classes; the backbone and the text side stay frozen.

    The vocabulary is a run-time input: ``class_names`` when given, else each
    batch's ``data_samples[0].metainfo['classes']`` (clipx's classification
    datasets and :class:`FewShotImageFolder`), or the ``class_names`` argument
    of :meth:`classify`.

    Batches (``pseudo_collate``) hold ``inputs``: B preprocessed images (3, H, W)
    and ``data_samples`` with ``gt_label`` (int; needed to train) and ``img_id``.
    ``predict`` returns per image ``{'pred_logits': (C,), 'gt_label', 'img_id'}``,
    what clipx's ``ZeroShotAccuracy`` consumes.

    Args:
        clip: a :class:`FrozenCLIP` or its config.
        adapter: a :class:`ResidualAdapter` or its config (``embed_dim`` defaults
            to the backbone's); None for no adapter.
        cache: a :class:`TipAdapterCache` or its config; None for no cache.
        class_names: a fixed vocabulary; default: taken from the data samples.
        templates: prompt templates (a clipx set name or strings with one ``{}``).
        data_preprocessor: mmengine data preprocessor config (default: move to device).
    """

    def __init__(
        self,
        *,
        clip: FrozenCLIP | dict,
        adapter: ResidualAdapter | dict | None = None,
        cache: TipAdapterCache | dict | None = None,
        class_names: Sequence[str] | None = None,
        templates: str | Sequence[str] = "name",
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.clip = build_clip(clip)
        self.adapter = _build_part(
            adapter, ResidualAdapter, "adapter", embed_dim=self.clip.embed_dim
        )
        self.cache = _build_part(cache, TipAdapterCache, "cache")
        self.templates = resolve_templates(templates)
        self._vocabulary = Vocabulary(class_names, self.templates) if class_names is not None else None

    # ------------------------------------------------------------------ pieces
    def vocabulary(self, samples: Sequence) -> Vocabulary:
        """The model's own vocabulary, else the data samples' ``metainfo['classes']`` with its templates."""
        return Vocabulary.resolve(self._vocabulary, samples, self.templates, owner="CLIPAdapterClassifier")

    @property
    def class_names(self) -> tuple[str, ...] | None:
        """The fixed vocabulary's names, or None when each batch's metainfo gives them."""
        return None if self._vocabulary is None else self._vocabulary.names

    def class_embeds(self, class_names: Sequence[str]) -> torch.Tensor:
        """(C, D) L2-normalised prompt-ensemble embeddings, cached by the prompt bank."""
        return Vocabulary(tuple(class_names), self.templates).embed(self.clip)

    def logits(
        self, image_embeds: torch.Tensor, class_names: Sequence[str], *, use_cache: bool = True
    ) -> torch.Tensor:
        """(B, C) logits of (B, D) L2-normalised frozen image embeddings."""
        adapted = self.adapter(image_embeds) if self.adapter is not None else image_embeds
        logits = class_logits(adapted, self.class_embeds(class_names), self.clip.logit_scale)
        if use_cache and self.cache is not None:
            logits = logits + self.cache(image_embeds, class_names)
        return logits

    @torch.no_grad()
    def classify(self, images: torch.Tensor, class_names: Sequence[str]) -> torch.Tensor:
        """(B, C) logits of (B, 3, H, W) preprocessed images against any class names."""
        return self.logits(self.clip.encode_image(images), class_names)

    @torch.no_grad()
    def fill_cache(
        self, images: torch.Tensor, labels: torch.Tensor, class_names: Sequence[str]
    ) -> None:
        """Put (N, 3, H, W) preprocessed few-shot images with (N,) labels into the cache."""
        self.fill_cache_embeds(self.clip.encode_image(images), labels, class_names)

    def fill_cache_embeds(
        self, image_embeds: torch.Tensor, labels: torch.Tensor, class_names: Sequence[str]
    ) -> None:
        """Put (N, D) frozen few-shot embeddings with (N,) labels into the cache."""
        if self.cache is None:
            raise RuntimeError(
                "This CLIPAdapterClassifier has no cache; build it with cache=dict(type=TipAdapterCache)."
            )
        self.cache.fill(image_embeds, labels, class_names)

    # ------------------------------------------------------------------ mmengine
    def forward(self, inputs, data_samples=None, mode: str = "predict"):
        samples = list(data_samples or [])
        image_embeds = self.clip.encode_image(stack_images(inputs))
        if mode == "loss":
            return self.loss(image_embeds, samples)
        if mode == "predict":
            return self.predict(image_embeds, samples)
        if mode == "tensor":
            return self.logits(image_embeds, self.vocabulary(samples).names)
        raise ValueError(f"mode={mode!r}; use 'loss', 'predict' or 'tensor'.")

    def loss(self, image_embeds: torch.Tensor, samples: list) -> dict[str, torch.Tensor]:
        if self.adapter is None:
            raise RuntimeError(
                "CLIPAdapterClassifier without an adapter has nothing to train (zero-shot CLIP and "
                "Tip-Adapter are training-free): set adapter=dict(type=ResidualAdapter), or evaluate "
                "with tools/test.py."
            )
        names = self.vocabulary(samples).names
        labels = gt_labels(samples, len(names), image_embeds.device)
        logits = self.logits(image_embeds, names, use_cache=False)
        with torch.no_grad():
            acc = logits.argmax(1).eq(labels).float().mean() * 100
        return {"loss": F.cross_entropy(logits, labels), "acc": acc}

    def predict(self, image_embeds: torch.Tensor, samples: list) -> list[dict]:
        if samples and len(samples) != len(image_embeds):
            raise ValueError(f"Got {len(image_embeds)} images but {len(samples)} data samples.")
        logits = self.logits(image_embeds, self.vocabulary(samples).names)
        outputs = [{"pred_logits": row} for row in logits]
        for out, sample in zip(outputs, samples, strict=False):
            out.update(sample_fields(sample, ("gt_label", "img_id")))
        return outputs


def _build_part(part, default_type: type, what: str, **defaults):
    if part is None or isinstance(part, default_type):
        return part
    if isinstance(part, dict):
        return MODELS.build({"type": default_type, **defaults, **part})
    raise TypeError(
        f"{what} must be a {default_type.__name__}, its config dict or None; got {part!r}."
    )


def gt_labels(samples: Sequence, num_classes: int, device: torch.device) -> torch.Tensor:
    """(B,) long class indices of a batch's data samples, checked against the vocabulary size."""
    return batch_labels(
        samples,
        device,
        num_classes=num_classes,
        dataset_hint="FewShotImageFolder or clipx.ImageFolderClassification",
    )
