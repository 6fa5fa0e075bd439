"""The training-free detection baseline: CLIP names cropped proposals (ViLD's "CLIP on cropped regions").

ViLD (Gu et al. 2022, section 4.1) reads its detectors against the obvious
way to detect open-vocabulary classes without training any classifier: take
the class-agnostic proposals of an RPN and let the frozen CLIP classify each
crop, as it classifies whole images. :class:`CLIPOnCrops` is that baseline on
clipx's detector: a :class:`ViLD` whose test-time classification is replaced
by the shared backbone's embeddings of the proposal crops
(:class:`clipx.backbone.regions.RegionEmbedder`, the same crops as ViLD-image's
distillation targets) scored against the vocabulary's text embeddings. No
class is "trained": the only learnt part used is the RPN, which saw base boxes
only (so novel objects rely on its class-agnostic proposals, as in ViLD).
The proposals are kept as they are (no box regression, which would be a
trained, class-aware part).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmengine.structures import InstanceData

from clipx.backbone.regions import RegionEmbedder

from .detector import ViLD
from .roi_head import per_class_detections


@MODELS.register_module()
class CLIPOnCrops(ViLD):
    """RPN proposals, each named by the frozen CLIP from its crop: a detector with no trained classifier.

    At test time each of the RPN's ``test_cfg.rpn.max_per_img`` proposals is
    cropped at ``crop_scales`` (``crop_mode`` as in ``tools/vild_precompute.py``),
    encoded by the shared CLIP, and scored

        ``p(c | box) ** (1 - w) * objectness ** w``,  ``p = softmax(cos(crop, text_c) / temperature)``

    with ``w = objectness_weight``; boxes then go through ``test_cfg.rcnn``'s
    per-class NMS, as ViLD's. Trained (``tools/train.py``) it learns what ViLD
    learns, but only the RPN is used at test, so the usual way to run it is a
    test-only config on a ViLD checkpoint (``configs/vild/vild-clip-crops_*``).

    Args:
        crop_scales: context factors of the crops (ViLD: 1x and 1.5x, averaged).
        crop_mode: ``"resize"`` (ViLD) or ``"mask"`` (the box kept in place in the
            whole image; what the small shapes-world CLIP reads best).
        temperature: of the softmax over the vocabulary (CLIP's own: 0.01).
        objectness_weight: the RPN objectness's exponent ``w`` in [0, 1]; 0 ranks
            boxes by CLIP alone.
        **kwargs: :class:`ViLD`'s arguments.
    """

    def __init__(
        self,
        *,
        crop_scales: Sequence[float] = (1.0, 1.5),
        crop_mode: str = "resize",
        temperature: float = 0.01,
        objectness_weight: float = 0.5,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if temperature <= 0:
            raise ValueError(f"temperature={temperature}; use a positive value (CLIP: 0.01).")
        if not 0.0 <= objectness_weight <= 1.0:
            raise ValueError(
                f"objectness_weight={objectness_weight}; use a value in [0, 1] (0: CLIP alone)."
            )
        self.embedder = RegionEmbedder(
            self.clip, scales=tuple(float(s) for s in crop_scales), crop_mode=crop_mode
        )
        self.temperature = float(temperature)
        self.objectness_weight = float(objectness_weight)
        self._check_normalisation()

    def _check_normalisation(self) -> None:
        """The crops are cut from the detector's inputs, so these must be normalised as CLIP's are."""
        cfg = self.clip.preprocess_cfg
        want_mean = torch.tensor(cfg["mean"], dtype=torch.float32) * 255
        want_std = torch.tensor(cfg["std"], dtype=torch.float32) * 255
        pre = self.data_preprocessor
        if not getattr(pre, "_enable_normalize", False):
            raise ValueError(
                "the data preprocessor does not normalise, but the CLIP's crops need "
                f"mean={want_mean.tolist()}, std={want_std.tolist()} (0-255): use clip_det_preprocessor."
            )
        mean, std = pre.mean.flatten().float().cpu(), pre.std.flatten().float().cpu()
        if not (
            torch.allclose(mean, want_mean, atol=0.05) and torch.allclose(std, want_std, atol=0.05)
        ):
            raise ValueError(
                f"the data preprocessor normalises with mean={mean.tolist()}, std={std.tolist()}, but "
                f"the CLIP's crops need mean={want_mean.tolist()}, std={want_std.tolist()} (0-255). "
                "Use the CLIP's values in data_preprocessor (clip_det_preprocessor) with bgr_to_rgb=True."
            )

    def region_scores(
        self, images: Sequence[torch.Tensor], proposals: Sequence[InstanceData]
    ) -> list[torch.Tensor]:
        """Per image, (M_i, C) scores of its proposals over the current vocabulary."""
        embeds = self.embedder.embed(list(images), [p.bboxes for p in proposals])
        out = []
        for emb, p in zip(embeds, proposals, strict=True):
            probs = F.softmax(emb @ self.text_embeds.t().to(emb) / self.temperature, dim=-1)
            objectness = p.scores.clamp(min=0)[:, None].to(probs)
            out.append(probs ** (1 - self.objectness_weight) * objectness**self.objectness_weight)
        return out

    @torch.no_grad()
    def predict(
        self, batch_inputs: torch.Tensor, batch_data_samples: SampleList, rescale: bool = True
    ) -> SampleList:
        """``pred_instances`` per sample (proposal boxes, labels indexing :attr:`vocabulary`)."""
        _, proposals = self.proposals(batch_inputs, batch_data_samples)
        metas = [s.metainfo for s in batch_data_samples]
        # each image without the batch's padding, so a masked crop keeps the image's own scale
        images = [
            img[:, : m["img_shape"][0], : m["img_shape"][1]]
            for img, m in zip(batch_inputs, metas, strict=True)
        ]
        scores = self.region_scores(images, proposals)
        results = [
            # mmdet's score layout: a background column last
            per_class_detections(
                p.bboxes,
                torch.cat([s, s.new_zeros(len(s), 1)], dim=1),
                meta,
                rescale,
                self.test_cfg.rcnn,
            )
            for p, s, meta in zip(proposals, scores, metas, strict=True)
        ]
        return self.add_pred_to_datasample(batch_data_samples, results)
