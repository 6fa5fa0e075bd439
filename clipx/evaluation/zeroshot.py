"""Zero-shot classification: accuracy, a classifier helper, an mmengine metric and model.

Ranks follow one tie rule everywhere in :mod:`clipx.evaluation`: a candidate's
0-based rank is its position in ``torch.argsort(-scores, stable=True)``, i.e.
the number of candidates scoring higher plus the number scoring the same that
come earlier. It is deterministic, does not depend on chunking, and gives a
collapsed model (all scores equal) chance-level results instead of 100 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from torch import nn

from clipx.backbone import FrozenCLIP, Vocabulary, build_clip
from clipx.backbone.scores import class_logits
from clipx.data.batch import sample_fields, stack_images
from clipx.registry import METRICS, MODELS


def rank_of(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """0-based rank of one target candidate per query (ties in index order).

    Args:
        scores: (Q, N) scores of N candidates for Q queries.
        targets: (Q,) long, the index of each query's target candidate.

    Returns:
        (Q,) long ranks.
    """
    target_scores = scores.gather(1, targets[:, None])
    ranks = (scores > target_scores).sum(1)
    # ties with the target are rare with float scores: resolve them only on the rows that have any
    tied = ((scores == target_scores).sum(1) > 1).nonzero().flatten()
    if len(tied):
        earlier = torch.arange(scores.shape[1], device=scores.device)[None, :] < targets[tied, None]
        ranks[tied] += ((scores[tied] == target_scores[tied]) & earlier).sum(1)
    return ranks


@dataclass(frozen=True)
class ZeroShotAccuracyResult:
    """Accuracies in percent.

    Attributes:
        topk: ``{k: top-k accuracy}``.
        per_class: (C,) top-1 accuracy of each class; NaN for classes without samples.
        mean_per_class: mean of ``per_class`` over the classes that have samples.
    """

    topk: dict[int, float]
    per_class: torch.Tensor
    mean_per_class: float

    def as_dict(self) -> dict[str, float]:
        """``{'top1': ..., 'top5': ..., 'mean_per_class': ...}``."""
        out = {f"top{k}": v for k, v in self.topk.items()}
        out["mean_per_class"] = self.mean_per_class
        return out


def zero_shot_accuracy(
    logits: torch.Tensor,
    labels: torch.Tensor | Sequence[int],
    *,
    topk: Sequence[int] = (1, 5),
    num_classes: int | None = None,
) -> ZeroShotAccuracyResult:
    """Top-k and per-class accuracy of class scores.

    From embeddings: ``zero_shot_accuracy(class_logits(image_embeds, class_embeds), labels)``.

    Args:
        logits: (N, C) class scores (logits, cosines: any monotone score).
        labels: (N,) true class indices in ``[0, C)``.
        topk: the k of each top-k accuracy. A k at or above C counts every
            sample as correct (the key keeps its name, e.g. ``top5`` with 3 classes).
        num_classes: C, when ``logits`` has more columns than classes to report
            per-class accuracy for; defaults to ``logits.shape[1]``.

    Returns:
        A :class:`ZeroShotAccuracyResult` (percentages).
    """
    labels = torch.as_tensor(labels, dtype=torch.long, device=logits.device).reshape(-1)
    if logits.ndim != 2 or logits.shape[0] != labels.numel():
        raise ValueError(
            f"logits must be (N, C) with N = len(labels) = {labels.numel()}, got shape "
            f"{tuple(logits.shape)}."
        )
    if labels.numel() == 0:
        raise ValueError("No samples to score: logits and labels are empty.")
    num_classes = int(num_classes or logits.shape[1])
    bad = labels[(labels < 0) | (labels >= logits.shape[1])]
    if bad.numel():
        raise ValueError(
            f"Label {bad[0].item()} is outside [0, {logits.shape[1]}) (the logits' classes); "
            "check that the class order of the dataset matches the vocabulary."
        )
    ranks = rank_of(logits.float(), labels)
    correct1 = (ranks == 0).double()
    counts = torch.bincount(labels, minlength=num_classes).double()
    hits = torch.bincount(labels, weights=correct1, minlength=num_classes)
    per_class = 100.0 * hits / counts  # NaN where a class has no samples
    return ZeroShotAccuracyResult(
        topk={int(k): 100.0 * (ranks < int(k)).sum().item() / ranks.numel() for k in topk},
        per_class=per_class.cpu(),
        mean_per_class=per_class[counts > 0].mean().item(),
    )


class ZeroShotClassifier(nn.Module):
    """Classify images by their similarity to prompted class names.

    Args:
        clip: the backbone.
        class_names: C names put into the templates.
        templates: a template set name (``'default'``, ``'imagenet80'``,
            ``'name'``) or a list of strings with one ``{}``.
    """

    def __init__(
        self, *, clip: FrozenCLIP, class_names: Sequence[str], templates: str | Sequence[str] = "default"
    ) -> None:
        super().__init__()
        self.clip = clip
        self.vocabulary = Vocabulary(class_names, templates)

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.vocabulary.names

    @property
    def class_embeds(self) -> torch.Tensor:
        """(C, D) L2-normalised; computed once per vocabulary by the prompt bank."""
        return self.vocabulary.embed(self.clip)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) preprocessed images -> (B, C) logits, ``logit_scale * cos``."""
        return class_logits(self.clip.encode_image(images), self.class_embeds, self.clip.logit_scale)

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """(B,) long index of each image's best class."""
        return self(images).argmax(-1)


@METRICS.register_module()
class ZeroShotAccuracy(BaseMetric):
    """Top-k and mean per-class accuracy (percent) of zero-shot predictions.

    Contract: each data sample the model returns is a dict with

    * ``'gt_label'``: int (or 0-d tensor), the true class;
    * ``'pred_logits'``: (C,) class scores, or ``'image_embeds'`` (D,) with
      ``'class_embeds'`` (C, D), from which scores are taken as cosines;
    * ``'img_id'`` (optional): a unique id of the image. Samples that repeat an
      id count once, so a dataset that substitutes an unreadable image with a
      neighbour (see :class:`~clipx.data.classification.ImageFolderClassification`)
      does not count that neighbour twice.

    ``process`` keeps only the (C,) scores, the label and the id of each sample,
    on the CPU, so mmengine's ``collect_results`` gathers them from every rank.

    Metrics (under the prefix ``zeroshot/``): ``top{k}`` for each k, and
    ``mean_per_class``; with ``per_class=True`` also ``acc_{class name}``
    (names from the dataset's ``metainfo['classes']``).

    Args:
        topk: the k of each top-k accuracy.
        per_class: also report every class's top-1 accuracy.
        collect_device: ``'cpu'`` or ``'gpu'``, how results are gathered.
        prefix: metric-name prefix; default ``'zeroshot'``.
    """

    default_prefix = "zeroshot"

    def __init__(
        self,
        *,
        topk: Sequence[int] = (1, 5),
        per_class: bool = False,
        collect_device: str = "cpu",
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(int(k) for k in topk)
        self.per_class = per_class

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(
                {
                    "scores": _sample_scores(sample).detach().float().cpu(),
                    "gt_label": int(sample["gt_label"]),
                    "img_id": sample.get("img_id"),
                }
            )

    def compute_metrics(self, results: list) -> dict[str, float]:
        results = _unique_by_id(results)
        logits = torch.stack([r["scores"] for r in results])
        labels = torch.tensor([r["gt_label"] for r in results])
        result = zero_shot_accuracy(logits, labels, topk=self.topk)
        metrics = result.as_dict()
        if self.per_class:
            names = (self.dataset_meta or {}).get("classes") or [str(i) for i in range(logits.shape[1])]
            for name, acc in zip(names, result.per_class.tolist(), strict=False):
                if acc == acc:  # skip NaN: the class has no samples
                    metrics[f"acc_{name}"] = acc
        return metrics


def _sample_scores(sample: dict) -> torch.Tensor:
    if "gt_label" not in sample:
        raise KeyError(f"A zero-shot data sample needs 'gt_label'; got keys {sorted(sample)}.")
    if "pred_logits" in sample:
        return torch.as_tensor(sample["pred_logits"])
    if "image_embeds" in sample and "class_embeds" in sample:
        return class_logits(sample["image_embeds"][None], sample["class_embeds"])[0]
    raise KeyError(
        f"A zero-shot data sample needs 'pred_logits' (C,), or 'image_embeds' (D,) with "
        f"'class_embeds' (C, D); got keys {sorted(sample)}."
    )


def _unique_by_id(results: list[dict]) -> list[dict]:
    seen: set = set()
    unique = []
    for r in results:
        key = r.get("img_id")
        if key is None or key not in seen:
            unique.append(r)
            seen.add(key)
    return unique


@MODELS.register_module()
class ZeroShotClassifierModel(BaseModel):
    """Evaluation-only mmengine model: zero-shot classification with a FrozenCLIP.

    ``test_step``/``val_step`` return, per image, the dict
    :class:`ZeroShotAccuracy` consumes: ``pred_logits`` (C,) (``logit_scale *
    cos``), ``gt_label`` and ``img_id`` (when the data sample has them).

    The vocabulary is ``class_names`` when given, else each batch's
    ``data_samples[0].metainfo['classes']``, which clipx's classification
    datasets fill from their ``metainfo``. Class embeddings are cached by the
    backbone's prompt bank, so the text tower runs once per vocabulary.

    Args:
        clip: a :class:`FrozenCLIP` or its config, e.g.
            ``dict(type='clipx.FrozenCLIP', model_name='ViT-B-32', pretrained='openai')``.
        class_names: the vocabulary; default: taken from the data samples.
        templates: template set name or list of templates.
        data_preprocessor: mmengine data preprocessor config; the default
            only moves data to the device (images arrive preprocessed).
    """

    def __init__(
        self,
        *,
        clip: FrozenCLIP | dict,
        class_names: Sequence[str] | None = None,
        templates: str | Sequence[str] = "default",
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.clip = build_clip(clip)
        self.templates = templates
        self.vocabulary = Vocabulary(class_names, templates) if class_names is not None else None

    @property
    def class_names(self) -> tuple[str, ...] | None:
        """The fixed vocabulary's names, or None when each batch's metainfo gives them."""
        return None if self.vocabulary is None else self.vocabulary.names

    def forward(self, inputs, data_samples=None, mode: str = "predict") -> list[dict]:
        if mode != "predict":
            raise ValueError(f"{type(self).__name__} only evaluates; got mode='{mode}', expected 'predict'.")
        samples = list(data_samples or [])
        vocabulary = Vocabulary.resolve(
            self.vocabulary, samples, self.templates, owner="ZeroShotClassifierModel"
        )
        class_embeds = vocabulary.embed(self.clip)
        logits = class_logits(self.clip.encode_image(stack_images(inputs)), class_embeds, self.clip.logit_scale)
        outputs = []
        for i, row in enumerate(logits):
            out = {"pred_logits": row}
            if i < len(samples):
                out.update(sample_fields(samples[i], ("gt_label", "img_id")))
            outputs.append(out)
        return outputs
