"""GroupViT as an mmseg segmentor: trained on captions, evaluated on masks it never saw."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor, nn

from clipx.backbone import FrozenCLIP, Vocabulary, build_clip
from clipx.pretrain.loss import ContrastiveLoss
from clipx.seg import SwappableVocabulary
from clipx.seg.refine import MaskRefiner

from .loss import (
    assignment_information_loss,
    best_match,
    group_label_loss,
    group_noun_contrast_loss,
    multi_hot_accuracy,
    multi_label_contrastive_loss,
)
from .nouns import NounVocabulary
from .tower import GroupingOutput, GroupViTImageTower

BACKGROUND_BY = ("probability", "similarity", "learned")
MULTI_LABEL_ON = ("image", "groups")


@MODELS.register_module()
class CaptionSegDataPreProcessor(SegDataPreProcessor):
    """mmseg's :class:`SegDataPreProcessor` for segmentation batches; caption batches pass.

    GroupViT trains on image-caption batches (``clipx.data.ImageTextDataset``: normalised
    image tensors and ``data_samples={'text': token ids}``) and is evaluated on mmseg's
    segmentation batches (uint8 images, ``SegDataSample`` lists). A caption batch only moves
    to the device; a segmentation batch is normalised, padded and stacked by mmseg.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        if isinstance(data.get("data_samples"), dict):
            return self.cast_data(data)
        return super().forward(data, training)


@MODELS.register_module()
class GroupViT(SwappableVocabulary, BaseSegmentor):
    """GroupViT (Xu et al., CVPR 2022): segments emerge from image-text contrastive training.

    The grouping image tower (:class:`~projects.groupvit.groupvit.GroupViTImageTower`) trains
    into the joint space of the backbone's text tower, which comes through the contract
    (``encode_text``, ``embed_classes``, ``tokenize``, ``embed_dim``): frozen (the shapes-world
    CLIP's) or trainable (``clip.unfreeze``). Losses: CLIP's symmetric image-caption loss
    (``clipx.pretrain.loss.ContrastiveLoss``, gathered across ranks) and GroupViT's multi-label
    loss of the image against prompts of the nouns its caption mentions.

    At inference every final group is named: its embedding is scored against the label
    prompts (softmax at the learned temperature), each pixel takes the group it belongs to
    most (the stages' soft assignments chained and upsampled, then argmax), and a group whose
    best label scores below ``bg_threshold`` is background. ``oracle_background`` instead
    takes the background from the ground truth (analysis only: what the threshold costs).

    Args:
        clip: the backbone (a ``FrozenCLIP`` or its config) whose text tower GroupViT aligns to.
        image_tower: keyword arguments of :class:`GroupViTImageTower` (``embed_dim`` comes
            from the backbone).
        nouns: the multi-label loss's noun vocabulary (:class:`NounVocabulary`: words, word
            lists with plurals, or a file).
        noun_templates: prompts of the nouns (GroupViT: "a photo of a {}.").
        class_names: the inference vocabulary (what ``predict`` labels pixels with); the
            dataset's classes for mmseg's tools.
        classes_from: instead of ``class_names``, an mmseg dataset class whose
            ``METAINFO['classes']`` is the vocabulary (``PascalVOCDataset``), for configs.
        templates: prompt templates of the inference vocabulary (default: the backbone's).
        background: the name in ``class_names`` given by threshold, not by its prompt; None:
            every pixel takes a named label.
        bg_threshold: a group whose best label scores below this is background.
        background_by: what the threshold is on: ``'probability'`` (the softmax over the
            foreground labels) or ``'similarity'`` (the cosine of the best label); ``'learned'``:
            the cosine against the null label's learned cosine (``group_label_weight``), not
            ``bg_threshold``.
        oracle_background: background from the ground truth (test batches must carry it).
        refine: :class:`clipx.seg.refine.MaskRefiner` settings (e.g. ``dict(iterations=10)``):
            at inference the upsampled group memberships are refined by the image's colours
            before each pixel takes its group (PAMR; not in GroupViT). None: off.
        caption_weight: weight of the image-caption loss (0: the noun losses alone).
        multi_label_weight: weight of the multi-label loss (0: the image-caption loss alone).
        multi_label_on: what the multi-label loss scores against the nouns: ``'image'`` (the
            pooled image embedding, GroupViT's) or ``'groups'`` (each noun's best final group
            among those the forward pass gave patches: multiple-instance, see
            :func:`multi_label_contrastive_loss`).
        group_contrast_weight: weight of :func:`group_noun_contrast_loss` (each mentioned noun
            taken by one segment of its image; 0: off, GroupViT's losses only).
        group_label_weight: weight of :func:`group_label_loss` (each segment labelled from the
            caption, the unnamed ones background against a learned null cosine; 0: off).
        null_init: the null label's initial cosine.
        assignment_info_weight: weight of :func:`assignment_information_loss` on each grouping
            stage's soft assignment of the patches (the stages chained): each image's patches
            spread over several groups, each sure of its own. One number for every stage, or one
            per stage (``(1.0, 0.0)``: the first stage over-segments, the last merges freely);
            0: off, GroupViT's losses only.
        init_logit_scale: initial 1/tau of both losses (CLIP: 1/0.07).
        max_logit_scale: clamp on 1/tau (CLIP: 100).
        gather: gather both losses' batches across ranks.
        data_preprocessor: a :class:`CaptionSegDataPreProcessor` config.
        test_cfg: mmseg's test config (``dict(mode='whole')``).
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        *,
        clip: dict | FrozenCLIP,
        image_tower: dict,
        nouns: Sequence[str | Sequence[str]] | str,
        noun_templates: Sequence[str] = ("a photo of a {}.",),
        class_names: Sequence[str] | None = None,
        classes_from: type | None = None,
        templates: str | Sequence[str] | None = None,
        background: str | None = "background",
        bg_threshold: float = 0.5,
        background_by: str = "probability",
        oracle_background: bool = False,
        refine: dict | None = None,
        caption_weight: float = 1.0,
        multi_label_weight: float = 1.0,
        multi_label_on: str = "image",
        group_contrast_weight: float = 0.0,
        group_label_weight: float = 0.0,
        null_init: float = 0.5,
        assignment_info_weight: float | Sequence[float] = 0.0,
        init_logit_scale: float = 1 / 0.07,
        max_logit_scale: float = 100.0,
        gather: bool = True,
        data_preprocessor: dict | None = None,
        test_cfg: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if background_by not in BACKGROUND_BY:
            raise ValueError(f"background_by='{background_by}' is not one of {BACKGROUND_BY}.")
        if multi_label_on not in MULTI_LABEL_ON:
            raise ValueError(f"multi_label_on='{multi_label_on}' is not one of {MULTI_LABEL_ON}.")
        self.backbone = build_clip(clip)
        tower = dict(image_tower)
        tower.pop("type", None)
        self.image_tower = GroupViTImageTower(embed_dim=self.backbone.embed_dim, **tower)
        self.nouns = NounVocabulary(nouns).compile(self.backbone.tokenize)
        self.noun_templates = tuple(noun_templates)
        if (class_names is None) == (classes_from is None):
            raise ValueError(
                "Give the labels either as class_names=[...] or as classes_from=<an mmseg dataset "
                f"class>, not {'both' if class_names is not None else 'neither'}."
            )
        if classes_from is not None:
            class_names = classes_from.METAINFO["classes"]
        self.vocabulary = Vocabulary.of(class_names, templates)
        self._check_background(background, self.vocabulary)
        self.background = background
        self._active_background = background  # None while the labels hold no background
        self.bg_threshold = float(bg_threshold)
        self.background_by = background_by
        self.oracle_background = bool(oracle_background)
        self.refiner = MaskRefiner(**refine) if refine is not None else None
        self.caption_weight = float(caption_weight)
        self.multi_label_weight = float(multi_label_weight)
        self.multi_label_on = multi_label_on
        self.group_contrast_weight = float(group_contrast_weight)
        self.group_label_weight = float(group_label_weight)
        stages = sum(1 for stage in self.image_tower.stages if stage.group_tokens is not None)
        self.assignment_info_weights = _per_stage(assignment_info_weight, stages)
        if background_by == "learned" and not self.group_label_weight:
            raise ValueError(
                "background_by='learned' thresholds on the null cosine that group_label_weight > 0 "
                "trains; set group_label_weight, or use 'similarity' or 'probability'."
            )
        self.null_cosine = None
        if self.group_label_weight:
            self.null_cosine = nn.Parameter(torch.tensor(float(null_init)))
        self.log_logit_scale = nn.Parameter(torch.tensor(math.log(init_logit_scale)))
        self.log_multi_label_scale = nn.Parameter(torch.tensor(math.log(init_logit_scale)))
        self.max_log_scale = math.log(max_logit_scale)
        self.gather = gather
        self.contrastive = ContrastiveLoss(gather=gather)
        self.test_cfg = ConfigDict(test_cfg or dict(mode="whole"))
        self.align_corners = False

    @staticmethod
    def _check_background(background: str | None, vocabulary: Vocabulary) -> None:
        if background is not None and background not in vocabulary.names:
            raise ValueError(
                f"background='{background}' is not among the labels {list(vocabulary.names)}; name "
                "the label that the threshold gives, or pass background=None."
            )
        if background is not None and len(vocabulary.names) < 2:
            raise ValueError(f"The labels {list(vocabulary.names)} hold only the background.")

    # -------------------------------------------------------------- vocabulary
    def set_vocabulary(
        self, names: Sequence[str], templates: str | Sequence[str] | None = None
    ) -> None:
        """Label pixels with ``names`` from now on; a name equal to ``background`` is the threshold's."""
        vocabulary = Vocabulary.of(
            names, self.vocabulary.templates if templates is None else templates
        )
        background = self.background if self.background in vocabulary.names else None
        self._check_background(background, vocabulary)
        self.vocabulary, self._active_background = vocabulary, background

    def _background_index(self) -> int | None:
        background = self._active_background
        return None if background is None else self.vocabulary.names.index(background)

    # -------------------------------------------------------------- training
    def logit_scales(self) -> tuple[Tensor, Tensor]:
        """The exp'd temperatures of the image-caption and the multi-label loss."""
        return self.log_logit_scale.exp(), self.log_multi_label_scale.exp()

    def loss(self, inputs: Tensor, data_samples: dict) -> dict:
        """Both losses of a caption batch (``data_samples={'text': token ids (B, L)}``)."""
        tokens = _tokens_of(data_samples)
        with torch.no_grad():  # CLIP clamps 1/tau after every step
            self.log_logit_scale.clamp_(0, self.max_log_scale)
            self.log_multi_label_scale.clamp_(0, self.max_log_scale)
        scale, multi_scale = self.logit_scales()
        output = self.image_tower(inputs)
        image = F.normalize(output.image_embeds, dim=-1)
        text = self.backbone.encode_text(tokens)
        losses = {
            "loss_caption": self.caption_weight * self.contrastive(image, text, scale),
            "logit_scale": scale.detach(),
        }
        if output.choices:  # a readout: how many final groups the forward pass gave patches
            losses["groups_used"] = (output.group_sizes() > 0.5).sum(1).float().mean()
        if any(self.assignment_info_weights) and output.assignments:
            # every stage's groups as distributions over the patches (the stages chained)
            memberships = output.stage_memberships()
            info = sum(
                w * assignment_information_loss(m)
                for w, m in zip(self.assignment_info_weights, memberships, strict=True)
                if w
            )
            losses["loss_assign_info"] = info / len(memberships)
        if not (self.multi_label_weight or self.group_contrast_weight or self.group_label_weight):
            return losses
        targets = self.nouns.find(tokens)
        nouns = self.backbone.embed_classes(self.nouns.names, templates=self.noun_templates)
        groups = F.normalize(output.group_embeds, dim=-1)
        on_groups = self.multi_label_on == "groups"
        present = None  # the groups holding at least one patch
        if on_groups or self.group_contrast_weight or self.group_label_weight:
            present = output.group_sizes() > 0.5
        scored = groups if on_groups else image
        if self.multi_label_weight:
            ml = multi_label_contrastive_loss(
                scored, nouns, targets, multi_scale, present=present, gather=self.gather
            )
            losses["loss_multi_label"] = self.multi_label_weight * ml
        if self.group_contrast_weight:
            gc = group_noun_contrast_loss(groups, nouns, targets, multi_scale, present)
            losses["loss_group_noun"] = self.group_contrast_weight * gc
        if self.group_label_weight:
            gl = group_label_loss(groups, nouns, targets, multi_scale, self.null_cosine, present)
            losses["loss_group_label"] = self.group_label_weight * gl
            losses["null_cosine"] = self.null_cosine.detach()
        with torch.no_grad():
            matched = best_match(scored, nouns, present if on_groups else None)
            losses["acc_noun"] = multi_hot_accuracy(matched, targets)
        return losses

    # -------------------------------------------------------------- inference
    def group_map(
        self, output: GroupingOutput, size: tuple[int, int], images: Tensor | None = None
    ) -> Tensor:
        """(B, H, W) the final group each pixel belongs to most (soft maps upsampled, refined by
        ``images``' colours when ``refine`` is set, then argmax)."""
        membership = F.interpolate(
            output.patch_to_group(), size=size, mode="bilinear", align_corners=False
        )
        if self.refiner is not None and images is not None:
            membership = self.refiner(images, membership)
        return membership.argmax(dim=1)

    def group_scores(self, output: GroupingOutput) -> tuple[Tensor, Tensor, list[int]]:
        """Each final group against the foreground labels.

        Returns:
            probabilities (B, G, F) (softmax over the foreground labels at the learned
            temperature), cosine similarities (B, G, F), and the label index of each of the F
            foreground columns.
        """
        background = self._background_index()
        foreground = [i for i in range(self.num_classes) if i != background]
        names = [self.vocabulary.names[i] for i in foreground]
        labels = Vocabulary(tuple(names), self.vocabulary.templates).embed(self.backbone)
        similarity = F.normalize(output.group_embeds, dim=-1) @ labels.T
        scale = self.log_logit_scale.exp().clamp(max=math.exp(self.max_log_scale))
        return (scale * similarity).softmax(-1), similarity, foreground

    def encode_decode(
        self, inputs: Tensor, batch_img_metas: list[dict], gt: Tensor | None = None
    ) -> Tensor:
        """(B, C, H, W) scores over the inference vocabulary: each pixel its group's label
        probabilities, the background channel the threshold (or the ground truth's background)."""
        output = self.image_tower(inputs)
        size = tuple(inputs.shape[-2:])
        groups = F.one_hot(self.group_map(output, size, inputs), output.group_embeds.shape[1]).to(
            inputs.dtype
        )
        probabilities, similarity, foreground = self.group_scores(output)
        scores = probabilities if self.background_by == "probability" else similarity
        logits = inputs.new_zeros(inputs.shape[0], self.num_classes, *size)
        # a pixel's label scores are its group's probabilities; its background test uses `scores`
        logits[:, foreground] = torch.einsum("bhwg,bgf->bfhw", groups, probabilities)
        background = self._background_index()
        if background is None:
            return logits
        if self.oracle_background:
            if gt is None:
                raise ValueError(
                    "oracle_background=True needs ground-truth maps in the test batch."
                )
            is_background = gt == background
            logits[:, background] = torch.where(is_background, 2.0, -1.0)
            return logits
        best = torch.einsum("bhwg,bgf->bfhw", groups, scores).amax(dim=1)
        threshold = self.null_cosine if self.background_by == "learned" else self.bg_threshold
        logits[:, background] = torch.where(best < threshold, 2.0, -1.0)
        return logits

    def predict(self, inputs: Tensor, data_samples: OptSampleList = None) -> SampleList:
        """mmseg's predict: ``pred_sem_seg`` and ``seg_logits`` per sample at its original size."""
        if data_samples is not None:
            metas = [s.metainfo for s in data_samples]
        else:
            shape = tuple(inputs.shape[2:])
            metas = [
                dict(ori_shape=shape, img_shape=shape, pad_shape=shape, padding_size=[0, 0, 0, 0])
            ] * len(inputs)
        gt = (
            ground_truth_maps(data_samples, tuple(inputs.shape[-2:]))
            if self.oracle_background
            else None
        )
        return self.postprocess_result(self.encode_decode(inputs, metas, gt), data_samples)

    def _forward(self, inputs: Tensor, data_samples: OptSampleList = None) -> Tensor:
        shape = tuple(inputs.shape[2:])
        return self.encode_decode(inputs, [dict(img_shape=shape)] * len(inputs))

    def extract_feat(self, inputs: Tensor) -> GroupingOutput:
        return self.image_tower(inputs)

    def extra_repr(self) -> str:
        return (
            f"labels={list(self.vocabulary.names)}, background={self.background!r}, "
            f"bg_threshold={self.bg_threshold} ({self.background_by}), nouns={self.nouns.names}"
        )


def _per_stage(weight: float | Sequence[float], stages: int) -> tuple[float, ...]:
    """A loss weight for each grouping stage: one number for all, or one per stage."""
    if isinstance(weight, (int, float)):
        return (float(weight),) * stages
    weights = tuple(float(w) for w in weight)
    if len(weights) != stages:
        raise ValueError(
            f"assignment_info_weight={list(weights)} gives {len(weights)} weights for {stages} "
            "grouping stages; give one per stage, or a single number for all."
        )
    return weights


def _tokens_of(data_samples) -> Tensor:
    if isinstance(data_samples, dict) and "text" in data_samples:
        return data_samples["text"]
    raise ValueError(
        "GroupViT trains on caption batches, data_samples={'text': token ids (B, L)}: use "
        "clipx.data.ImageTextDataset with collate_fn=dict(type='default_collate'); segmentation "
        "batches are for validation and test."
    )


def ground_truth_maps(data_samples: OptSampleList, size: tuple[int, int]) -> Tensor:
    """(B, H, W) the samples' ground-truth maps, padded with 255 to the batch's input ``size``."""
    if not data_samples or not all("gt_sem_seg" in s for s in data_samples):
        raise ValueError(
            "oracle_background=True needs ground-truth maps (gt_sem_seg) in the test batch."
        )
    maps = torch.stack([s.gt_sem_seg.data[0] for s in data_samples]).long()
    if tuple(maps.shape[-2:]) != size:
        maps = F.pad(maps, (0, size[1] - maps.shape[-1], 0, size[0] - maps.shape[-2]), value=255)
    return maps
