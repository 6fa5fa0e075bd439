"""ViLD: a two-stage detector whose classes are text embeddings from the shared FrozenCLIP."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from mmdet.models.detectors import TwoStageDetector
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmengine.config import ConfigDict
from torch import nn

from clipx.backbone import FrozenCLIP, Vocabulary

from .backbone import CLIPDetBackbone
from .scope import mmdet_scope


def is_clip_backbone(cfg: dict) -> bool:
    """Whether a backbone config builds a :class:`CLIPDetBackbone` (which the detector feeds its CLIP)."""
    kind = cfg.get("type")
    with mmdet_scope():
        cls = kind if isinstance(kind, type) else MODELS.get(kind)
    return isinstance(cls, type) and issubclass(cls, CLIPDetBackbone)


@MODELS.register_module()
class ViLD(TwoStageDetector):
    """Open-vocabulary Faster R-CNN (ViLD): RPN + :class:`ViLDRoIHead`, one shared CLIP.

    The vocabulary is run-time state, not architecture: :meth:`set_vocabulary`
    embeds any list of category names with CLIP's text tower (template
    ensembling through the prompt bank, cached) and every later ``predict``
    scores regions against them. Training uses the training vocabulary (base
    categories), set by :class:`clipx.det.VocabularyHook` from the data set or
    by :meth:`set_training_vocabulary`; it is saved with the weights, so the
    ensemble knows which classes are base after loading.

    Args:
        clip: the :class:`FrozenCLIP` (or its config): text encoder, the
            teacher of ViLD-image, and, with a :class:`CLIPDetBackbone`
            backbone, the image features (the same module).
        backbone: a :class:`CLIPDetBackbone` (the shared CLIP's dense maps, the
            default) or any trainable mmdet backbone such as ``mmdet.ResNet``.
        neck, rpn_head, roi_head, train_cfg, test_cfg, data_preprocessor,
        init_cfg: as :class:`mmdet.models.TwoStageDetector`; ``roi_head`` is a
            :class:`ViLDRoIHead`.
        templates: prompt templates for the category names (a set name or a
            list); default: the backbone's.
    """

    def __init__(
        self,
        *,
        clip: FrozenCLIP | dict,
        backbone: dict,
        rpn_head: dict,
        roi_head: dict,
        train_cfg: dict | None = None,
        test_cfg: dict,
        neck: dict | None = None,
        data_preprocessor: dict | None = None,
        templates: str | Sequence[str] | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        with mmdet_scope():
            clip_module = clip if isinstance(clip, nn.Module) else MODELS.build(clip)
        backbone = dict(backbone)  # a plain dict: the shared module must not be deep-copied
        if is_clip_backbone(backbone) and "clip" not in backbone:
            backbone["clip"] = clip_module
        with mmdet_scope():
            super().__init__(
                backbone=backbone,
                neck=neck,
                rpn_head=ConfigDict(rpn_head),
                roi_head=ConfigDict(roi_head),
                train_cfg=None if train_cfg is None else ConfigDict(train_cfg),
                test_cfg=ConfigDict(test_cfg),
                data_preprocessor=data_preprocessor,
                init_cfg=init_cfg,
            )
        self.clip = clip_module
        self.templates = templates
        self.vocabulary: Vocabulary | None = None
        self.base_class_names: tuple[str, ...] = ()
        self.register_buffer("text_embeds", torch.zeros(0, clip_module.embed_dim), persistent=False)
        self.register_buffer("is_base", torch.zeros(0, dtype=torch.bool), persistent=False)

    # ------------------------------------------------------------------ vocabulary
    def set_vocabulary(
        self, class_names: Sequence[str], *, base_names: Sequence[str] | None = None
    ) -> None:
        """Detect these categories from now on (no retraining).

        Args:
            class_names: C category names; predicted labels index this list
                (:attr:`vocabulary`, a :class:`clipx.backbone.Vocabulary`).
            base_names: names seen in training (the ensemble trusts the text
                branch for them); default: the recorded training vocabulary.
        """
        vocabulary = Vocabulary(tuple(class_names), self.templates)
        base = set(self.base_class_names if base_names is None else base_names)
        self.text_embeds = vocabulary.embed(self.clip).to(self.text_embeds.device)
        self.is_base = torch.tensor([n in base for n in vocabulary], device=self.text_embeds.device)
        self.vocabulary = vocabulary

    def set_training_vocabulary(self, class_names: Sequence[str]) -> None:
        """Set and record the training (base) vocabulary; ``gt_instances.labels`` index it."""
        self.base_class_names = tuple(str(n) for n in class_names)
        self.set_vocabulary(self.base_class_names, base_names=self.base_class_names)

    def _check_vocabulary(self) -> None:
        if self.vocabulary is None:
            raise RuntimeError(
                "ViLD has no vocabulary. Call model.set_vocabulary([...names]) (set_training_vocabulary "
                "for training), or add dict(type=clipx.det.VocabularyHook) to custom_hooks."
            )

    def get_extra_state(self) -> dict:
        return {"base_class_names": list(self.base_class_names)}

    def set_extra_state(self, state: dict) -> None:
        self.base_class_names = tuple(state.get("base_class_names", ()))

    # ------------------------------------------------------------------ mmdet contract
    def _rpn(self, x, batch_data_samples: SampleList, losses: dict):
        proposal_cfg = self.train_cfg.get("rpn_proposal", self.test_cfg.rpn)
        rpn_samples = copy.deepcopy(batch_data_samples)
        for sample in rpn_samples:  # the RPN is class-agnostic
            sample.gt_instances.labels = torch.zeros_like(sample.gt_instances.labels)
        rpn_losses, proposals = self.rpn_head.loss_and_predict(
            x, rpn_samples, proposal_cfg=proposal_cfg
        )
        for key in list(rpn_losses):
            if "loss" in key and "rpn" not in key:
                rpn_losses[f"rpn_{key}"] = rpn_losses.pop(key)
        losses.update(rpn_losses)
        return proposals

    def loss(self, batch_inputs: torch.Tensor, batch_data_samples: SampleList) -> dict:
        """RPN losses, ViLD-text's classification and box losses, and ViLD-image's distillation."""
        self._check_vocabulary()
        x = self.extract_feat(batch_inputs)
        losses: dict = {}
        proposals = self._rpn(x, batch_data_samples, losses)
        losses.update(
            self.roi_head.loss(x, proposals, batch_data_samples, text_embeds=self.text_embeds)
        )
        return losses

    def proposals(
        self, batch_inputs: torch.Tensor, batch_data_samples: SampleList
    ) -> tuple[tuple[torch.Tensor, ...], list]:
        """The neck's maps and the RPN's proposals per image (input pixels), for inference."""
        self._check_vocabulary()
        x = self.extract_feat(batch_inputs)
        return x, self.rpn_head.predict(x, batch_data_samples, rescale=False)

    def predict(
        self, batch_inputs: torch.Tensor, batch_data_samples: SampleList, rescale: bool = True
    ) -> SampleList:
        """``pred_instances`` per sample, labels indexing :attr:`vocabulary`."""
        x, proposals = self.proposals(batch_inputs, batch_data_samples)
        results = self.roi_head.predict(
            x,
            proposals,
            batch_data_samples,
            rescale=rescale,
            text_embeds=self.text_embeds,
            is_base=self.is_base,
        )
        return self.add_pred_to_datasample(batch_data_samples, results)

    def _forward(self, batch_inputs: torch.Tensor, batch_data_samples: SampleList) -> tuple:
        x, proposals = self.proposals(batch_inputs, batch_data_samples)
        rois = torch.cat(
            [
                torch.cat([p.bboxes.new_full((len(p), 1), i), p.bboxes], 1)
                for i, p in enumerate(proposals)
            ]
        )
        out = self.roi_head._bbox_forward(x, rois, self.text_embeds)
        return (out["cls_score"], out["bbox_pred"])
