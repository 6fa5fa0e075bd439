"""ActionCLIP (Wang et al., 2021) on clipx's shared backbone."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from clipx.backbone import FrozenCLIP, Vocabulary, class_logits
from clipx.backbone.templates import resolve_templates
from clipx.data.batch import gt_labels as batch_labels
from clipx.registry import MODELS
from clipx.video import CLIP4Clip

from .loss import class_cross_entropy, video_text_kl_loss
from .templates import ACTIONCLIP_TEMPLATES

OBJECTIVES = ("kl", "ce")


@MODELS.register_module()
class ActionCLIP(CLIP4Clip):
    """Video action recognition as video-text matching against prompted class names.

    The video side is CLIP4Clip's (:class:`clipx.video.CLIP4Clip`, whose
    ``encode_video`` this class inherits): frozen CLIP frame embeddings, then a
    temporal aggregator from :mod:`clipx.video.aggregators` (``MeanPooling``,
    or ``TemporalTransformer`` for a module that sees frame order) to one
    L2-normalised (B, D) video embedding. The text side wraps each class name in
    every template; a class embedding is the normalised mean of its prompts'
    normalised embeddings (CLIP's prompt ensemble, :meth:`FrozenCLIP.embed_classes`).
    A clip's scores are ``logit_scale * cos(video, class)``.

    The vocabulary is a run-time input: ``class_names`` when given, else each
    batch's ``data_samples[0].metainfo['classes']`` (from
    :class:`~actionclip.VideoClassificationDataset`), or the ``class_names``
    argument of :meth:`classify`. Nothing in the model depends on the number
    or order of the classes, so labels change without retraining.

    Objectives (``objective``):

    * ``'kl'``, ActionCLIP's: every clip is paired with one prompt of its own
      label, the template drawn at random per clip; the loss is the symmetric
      KL divergence between the softmax of the batch's (B, B) video-text
      similarities and the label matrix that counts every same-label pair as a
      positive (:func:`~actionclip.loss.video_text_kl_loss`). Computed within
      each rank's batch.
    * ``'ce'``: cross-entropy over all C class embeddings (the prompt ensemble).

    Batches (``pseudo_collate``) hold ``inputs``: B clips (T, 3, H, W) and
    ``data_samples`` with ``frame_mask`` (T,) bool, ``gt_label`` (int, needed
    for training and scoring), ``video_id`` and ``metainfo['classes']``.
    ``predict`` returns per clip ``{'pred_logits': (C,), 'gt_label', 'img_id'
    (the video id)}``, what :class:`~actionclip.VideoClassAccuracy` and
    clipx's ``ZeroShotAccuracy`` consume.

    Args:
        clip: a :class:`FrozenCLIP` or its config.
        aggregator: an aggregator or its config; default ``MeanPooling``.
        class_names: a fixed vocabulary; default: taken from the data samples.
        templates: prompt templates (a clipx template-set name or strings with
            one ``{}``); default ActionCLIP's 16 Kinetics prompts.
        objective: ``'kl'`` (ActionCLIP) or ``'ce'``.
        learnable_logit_scale: train a copy of CLIP's temperature.
        max_logit_scale: the clamp on the learned temperature.
        data_preprocessor: mmengine data preprocessor config.
    """

    def __init__(
        self,
        *,
        clip: FrozenCLIP | dict,
        aggregator: nn.Module | dict | None = None,
        class_names: Sequence[str] | None = None,
        templates: str | Sequence[str] = ACTIONCLIP_TEMPLATES,
        objective: str = "kl",
        learnable_logit_scale: bool = True,
        max_logit_scale: float = 100.0,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        if objective not in OBJECTIVES:
            raise ValueError(f"objective={objective!r}; use one of {OBJECTIVES}.")
        if isinstance(class_names, str):
            raise TypeError(
                f"class_names must be a list of names, got the single string {class_names!r}."
            )
        super().__init__(
            clip=clip,
            aggregator=aggregator,
            learnable_logit_scale=learnable_logit_scale,
            max_logit_scale=max_logit_scale,
            gather=False,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
        )
        self.objective = objective
        self.templates = resolve_templates(templates)
        self._vocabulary = Vocabulary(class_names, self.templates) if class_names is not None else None

    @property
    def class_names(self) -> tuple[str, ...] | None:
        """The fixed vocabulary's names, or None when each batch's metainfo gives them."""
        return None if self._vocabulary is None else self._vocabulary.names

    # ------------------------------------------------------------------ text
    def vocabulary(self, samples: Sequence) -> Vocabulary:
        """The model's own vocabulary, else the data samples' ``metainfo['classes']`` with its templates."""
        return Vocabulary.resolve(self._vocabulary, samples, self.templates, owner="ActionCLIP")

    def prompt_embeds(self, class_names: Sequence[str]) -> torch.Tensor:
        """(C, K, D) L2-normalised embeddings of every class name in every template.

        The backbone caches them while the text tower is frozen and encodes
        anew, with gradients, when parts of it train.
        """
        return Vocabulary(tuple(class_names), self.templates).embed_prompts(self.clip)

    def class_embeds(self, class_names: Sequence[str]) -> torch.Tensor:
        """(C, D) L2-normalised prompt-ensemble class embeddings."""
        return F.normalize(self.prompt_embeds(class_names).mean(1), dim=-1)

    # ------------------------------------------------------------------ heads
    def classify(
        self,
        clips: torch.Tensor,
        class_names: Sequence[str],
        frame_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, C) logits of B preprocessed clips (B, T, 3, H, W) against any class names."""
        if frame_mask is None:
            frame_mask = torch.ones(clips.shape[:2], dtype=torch.bool)
        video_embeds = self.encode_video(clips, frame_mask)
        return class_logits(video_embeds, self.class_embeds(class_names), self.logit_scale)

    def loss(self, video_embeds: torch.Tensor, samples: list) -> dict[str, torch.Tensor]:
        vocabulary = self.vocabulary(samples)
        labels = gt_labels(samples, video_embeds.device, num_classes=len(vocabulary))
        prompts = vocabulary.embed_prompts(self.clip)
        scale = self.logit_scale
        class_embeds = F.normalize(prompts.mean(1), dim=-1)
        if self.objective == "kl":
            template = torch.randint(prompts.shape[1], labels.shape, device=labels.device)
            loss = video_text_kl_loss(video_embeds, prompts[labels, template], labels, scale)
        else:
            loss = class_cross_entropy(video_embeds, class_embeds, labels, scale)
        with torch.no_grad():
            acc = (video_embeds @ class_embeds.T).argmax(1).eq(labels).float().mean() * 100
        return {"loss": loss, "logit_scale": scale.detach(), "acc": acc}

    def predict(self, video_embeds: torch.Tensor, samples: list) -> list[dict]:
        if len(samples) != len(video_embeds):
            raise ValueError(f"Got {len(video_embeds)} clips but {len(samples)} data samples.")
        logits = class_logits(
            video_embeds, self.class_embeds(self.vocabulary(samples).names), self.logit_scale
        )
        outputs = []
        for sample, row in zip(samples, logits, strict=True):
            out = {"pred_logits": row, "img_id": sample.video_id}
            if "gt_label" in sample:
                out["gt_label"] = int(sample.gt_label)
            outputs.append(out)
        return outputs


def gt_labels(samples: Sequence, device: torch.device, *, num_classes: int | None = None) -> torch.Tensor:
    """(B,) long class indices of a batch's data samples (:func:`clipx.data.batch.gt_labels`)."""
    return batch_labels(
        samples, device, num_classes=num_classes, dataset_hint="actionclip.VideoClassificationDataset"
    )
