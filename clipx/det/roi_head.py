"""ViLD's RoI head: ViLD-text classification, ViLD-image distillation, ViLD-ensemble scoring."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmdet.models.layers import multiclass_nms
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.utils import unpack_gt_instances
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi, get_box_tensor
from mmengine.structures import InstanceData

from .scope import mmdet_scope
from .scores import distill_loss, ensemble_scores


@MODELS.register_module()
class ViLDRoIHead(StandardRoIHead):
    """A :class:`StandardRoIHead` whose vocabulary is an argument of ``loss`` and ``predict``.

    Contract (as mmdet's heads): ``loss(x, rpn_results, samples, text_embeds=...)``
    -> dict of losses; ``predict(x, rpn_results, samples, text_embeds=..., is_base=...)``
    -> one :class:`InstanceData` (``bboxes``, ``scores``, ``labels``) per image.

    Training adds ViLD-image's distillation when the data samples carry
    ``distill_regions`` (``bboxes`` (M, 4) in input coordinates, ``embeds``
    (M, D) CLIP crop embeddings): an L1 loss between the box head's image
    embeddings of those boxes and the stored ones, times ``distill_weight``.

    Args:
        distill_weight: weight of the distillation loss (ViLD: 0.5 for R50);
            0 trains ViLD-text alone.
        distill_branches: which embeddings are distilled: ``'image'`` (the
            image branch, which is the text branch when the box head has no
            separate one; ViLD and ViLD-ensemble) and/or ``'text'`` (the text
            branch too, when there is a separate image branch: one training
            then gives ViLD's text-branch scores and the ensemble).
        ensemble: score with ViLD-ensemble (needs the box head's
            ``image_head``); otherwise the text branch alone.
        ensemble_text_weight: the ensemble's exponent for the trusted branch
            (ViLD: 2/3: text for base classes, image for novel ones).
        image_temperature: temperature of the image branch's softmax.
        **kwargs: :class:`StandardRoIHead` arguments (``bbox_roi_extractor``,
            ``bbox_head``, ``train_cfg``, ``test_cfg``).
    """

    def __init__(
        self,
        *,
        distill_weight: float = 0.0,
        distill_branches: Sequence[str] = ("image",),
        ensemble: bool = False,
        ensemble_text_weight: float = 2.0 / 3.0,
        image_temperature: float = 0.01,
        **kwargs,
    ) -> None:
        with mmdet_scope():
            super().__init__(**kwargs)
        if distill_weight < 0:
            raise ValueError(f"distill_weight={distill_weight}; use a value >= 0 (ViLD: 0.5).")
        if ensemble and not self.bbox_head.has_image_head:
            raise ValueError(
                "ensemble=True needs a separate image branch: set bbox_head.image_head=True."
            )
        unknown = sorted(set(distill_branches) - {"image", "text"})
        if unknown or not distill_branches:
            raise ValueError(f"distill_branches={distill_branches}; use 'image' and/or 'text'.")
        self.distill_weight = float(distill_weight)
        self.distill_branches = tuple(distill_branches)
        self.ensemble = bool(ensemble)
        self.ensemble_text_weight = float(ensemble_text_weight)
        self.image_temperature = float(image_temperature)

    # ------------------------------------------------------------------ training
    def _bbox_forward(
        self, x: tuple[torch.Tensor, ...], rois: torch.Tensor, text_embeds: torch.Tensor
    ) -> dict:
        feats = self.bbox_roi_extractor(x[: self.bbox_roi_extractor.num_inputs], rois)
        cls_score, bbox_pred = self.bbox_head(feats, text_embeds)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, bbox_feats=feats)

    def _sample(self, x, rpn_results_list, batch_data_samples):
        gts, gts_ignore, _ = unpack_gt_instances(batch_data_samples)
        results = []
        for i, rpn_results in enumerate(rpn_results_list):
            rpn_results.priors = rpn_results.pop("bboxes")
            assigned = self.bbox_assigner.assign(rpn_results, gts[i], gts_ignore[i])
            feats = [level[i][None] for level in x]
            results.append(self.bbox_sampler.sample(assigned, rpn_results, gts[i], feats=feats))
        return results

    def loss(
        self,
        x: tuple[torch.Tensor, ...],
        rpn_results_list: list[InstanceData],
        batch_data_samples: SampleList,
        *,
        text_embeds: torch.Tensor,
    ) -> dict:
        """Classification (over ``text_embeds`` + background), box and distillation losses.

        Args:
            x: the neck's feature maps.
            rpn_results_list: proposals per image.
            batch_data_samples: with ``gt_instances`` (labels index ``text_embeds``).
            text_embeds: (C, D) L2-normalised embeddings of the training vocabulary.
        """
        sampling_results = self._sample(x, rpn_results_list, batch_data_samples)
        rois = bbox2roi([res.priors for res in sampling_results])
        out = self._bbox_forward(x, rois, text_embeds)
        self.bbox_head.num_classes = int(text_embeds.shape[0])
        losses = self.bbox_head.loss_and_target(
            cls_score=out["cls_score"],
            bbox_pred=out["bbox_pred"],
            rois=rois,
            sampling_results=sampling_results,
            rcnn_train_cfg=self.train_cfg,
        )["loss_bbox"]
        if self.distill_weight > 0:
            for branch, loss in self.distillation(x, batch_data_samples).items():
                key = "loss_distill" if branch == "image" else f"loss_distill_{branch}"
                losses[key] = self.distill_weight * loss
        return losses

    def distillation(
        self, x: tuple[torch.Tensor, ...], batch_data_samples: SampleList
    ) -> dict[str, torch.Tensor]:
        """The unweighted L1 distillation loss over every stored box of the batch, per distilled branch."""
        regions = [s.get("distill_regions") for s in batch_data_samples]
        if any(r is None for r in regions):
            raise ValueError(
                "distill_weight > 0 but a data sample has no 'distill_regions'. Add "
                "clipx.det.LoadRegionEmbeddings and clipx.det.PackViLDInputs to the training pipeline, "
                "pointing at the output of tools/vild_precompute.py."
            )
        rois = bbox2roi([r.bboxes for r in regions])
        targets = torch.cat([r.embeds for r in regions])
        if rois.shape[0] == 0:
            return {b: x[0].sum() * 0.0 for b in self.distill_branches}
        feats = self.bbox_roi_extractor(x[: self.bbox_roi_extractor.num_inputs], rois)
        embed = {"image": self.bbox_head.image_embed, "text": self.bbox_head.text_embed}
        return {b: distill_loss(embed[b](feats), targets) for b in self.distill_branches}

    # ------------------------------------------------------------------ inference
    def class_scores(
        self,
        feats: torch.Tensor,
        cls_score: torch.Tensor,
        text_embeds: torch.Tensor,
        is_base: torch.Tensor,
    ) -> torch.Tensor:
        """(N, C + 1) scores: the text branch's softmax, or its ensemble with the image branch."""
        probs = F.softmax(cls_score, dim=-1)
        if not self.ensemble:
            return probs
        image = F.normalize(self.bbox_head.image_embed(feats), dim=-1) @ text_embeds.t()
        image_probs = F.softmax(image / self.image_temperature, dim=-1)
        fused = ensemble_scores(probs[:, :-1], image_probs, is_base, self.ensemble_text_weight)
        return torch.cat([fused, probs[:, -1:]], dim=1)

    def predict(
        self,
        x: tuple[torch.Tensor, ...],
        rpn_results_list: list[InstanceData],
        batch_data_samples: SampleList,
        rescale: bool = False,
        *,
        text_embeds: torch.Tensor,
        is_base: torch.Tensor | None = None,
    ) -> list[InstanceData]:
        """Detections per image, labels indexing ``text_embeds``.

        Args:
            text_embeds: (C, D) L2-normalised class embeddings: any vocabulary.
            is_base: (C,) bool, which classes were trained on (for the ensemble);
                default: none.
        """
        if is_base is None:
            is_base = torch.zeros(text_embeds.shape[0], dtype=torch.bool, device=text_embeds.device)
        metas = [s.metainfo for s in batch_data_samples]
        proposals = [r.bboxes for r in rpn_results_list]
        rois = bbox2roi(proposals)
        out = self._bbox_forward(x, rois, text_embeds)
        scores = self.class_scores(out["bbox_feats"], out["cls_score"], text_embeds, is_base)
        counts = [len(p) for p in proposals]
        return [
            self._detections(r, s, d, meta, rescale)
            for r, s, d, meta in zip(
                rois.split(counts),
                scores.split(counts),
                out["bbox_pred"].split(counts),
                metas,
                strict=True,
            )
        ]

    def _detections(self, rois, scores, deltas, meta: dict, rescale: bool) -> InstanceData:
        boxes = get_box_tensor(
            self.bbox_head.bbox_coder.decode(rois[:, 1:], deltas, max_shape=meta["img_shape"])
        )
        return per_class_detections(boxes, scores, meta, rescale, self.test_cfg)


def per_class_detections(
    boxes: torch.Tensor, scores: torch.Tensor, meta: dict, rescale: bool, cfg
) -> InstanceData:
    """One image's boxes (input pixels) and (N, C + 1) scores, background last -> its detections.

    mmdet's per-class NMS with ``cfg`` (``score_thr``, ``nms``, ``max_per_img``);
    with ``rescale`` the boxes are divided back to the original image by
    ``meta['scale_factor']``.
    """
    if rescale and boxes.numel():
        boxes = boxes / boxes.new_tensor(meta["scale_factor"]).repeat(2)
    dets, labels = multiclass_nms(boxes, scores, cfg.score_thr, cfg.nms, cfg.max_per_img)
    return InstanceData(bboxes=dets[:, :4], scores=dets[:, 4], labels=labels)
