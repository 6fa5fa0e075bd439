"""Region re-scoring: CLIP names each predicted segment from the image itself.

A per-pixel decoder trained on base labels learns *where* things are well but
never learns to *name* a label it was not taught: a novel object's pixels go to
the nearest base label. CLIP's global image embedding names single objects far
better than any per-pixel path of a small backbone. This step joins the two,
after the decoder:

1. foreground = pixels whose background probability is below
   ``fg_threshold``; its connected components are the segments;
2. each segment (dilated by ``dilate`` pixels for a little context) is cut out
   of the input (everything else set to 0, CLIP's mean colour after
   normalisation) and encoded by the frozen CLIP as a whole image;
3. the segment's label scores combine CLIP's probabilities with the decoder's
   mean probabilities by ViLD's weighted geometric mean: labels of the
   training vocabulary ``clip^base_weight x decoder^(1 - base_weight)``, labels
   it never trained on ``clip^novel_weight x decoder^(1 - novel_weight)``.

The output keeps the decoder's background probability and spreads the rest
over the non-background labels by the combined scores, so it is still a
log-probability map over the vocabulary. This is the two-stage "segments, then
CLIP per segment" idea of open-vocabulary segmenters such as zsseg
(Xu et al., 2022) in its simplest form, with the decoder as the mask source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from scipy import ndimage
from torch import Tensor

from clipx.backbone import FrozenCLIP
from clipx.backbone.regions import encode_crops, mask_crops
from clipx.backbone.scores import check_weight, ensemble_weights, geometric_ensemble


@dataclass
class RegionRescorer:
    """Settings of region re-scoring (see the module docstring).

    Args:
        background: the vocabulary entry that means background; with no such
            entry in the vocabulary the step is skipped.
        fg_threshold: a pixel is foreground when its background probability is
            below this.
        dilate: pixels of context around each segment.
        min_pixels: smaller segments keep the decoder's labels.
        base_weight: CLIP's exponent for labels of the training vocabulary.
        novel_weight: CLIP's exponent for labels outside it (ViLD: 2/3).
    """

    background: str = "background"
    fg_threshold: float = 0.5
    dilate: int = 3
    min_pixels: int = 4
    base_weight: float = 1 / 3
    novel_weight: float = 2 / 3

    def __post_init__(self) -> None:
        if not 0 < self.fg_threshold <= 1:
            raise ValueError(f"fg_threshold={self.fg_threshold}; use a probability in (0, 1].")
        check_weight("base_weight", self.base_weight)
        check_weight("novel_weight", self.novel_weight)
        if self.dilate < 0 or self.min_pixels < 1:
            raise ValueError(
                f"dilate={self.dilate} must be >= 0 and min_pixels={self.min_pixels} >= 1."
            )

    def __call__(
        self,
        logits: Tensor,
        images: Tensor,
        clip: FrozenCLIP,
        text_embeds: Tensor,
        names: Sequence[str],
        train_names: Sequence[str],
    ) -> Tensor:
        """Re-score ``logits`` (B, C, H, W) at the size of ``images`` (B, 3, H, W).

        Returns:
            (B, C, H, W) log-probabilities; unchanged softmax where no segment was found.
        """
        if self.background not in names or len(names) < 2:
            return logits
        if logits.shape[-2:] != images.shape[-2:]:
            raise ValueError(
                f"logits {tuple(logits.shape[-2:])} and images {tuple(images.shape[-2:])} must "
                "have the same size for region re-scoring."
            )
        bg = list(names).index(self.background)
        fg_labels = [i for i in range(len(names)) if i != bg]
        log_probs = logits.float().log_softmax(dim=1)
        p_bg = log_probs[:, bg].exp()
        foreground = (p_bg < self.fg_threshold).cpu().numpy()
        segments, crops = [], []
        for b in range(len(images)):
            labelled, count = ndimage.label(foreground[b])
            for k in range(1, count + 1):
                mask = labelled == k
                if mask.sum() < self.min_pixels:
                    continue
                keep = (
                    ndimage.binary_dilation(mask, iterations=self.dilate) if self.dilate else mask
                )
                keep = torch.from_numpy(keep).to(images.device)
                segments.append((b, torch.from_numpy(mask).to(images.device)))
                crops.append(mask_crops(images[b], keep[None])[0])
        if not segments:
            return log_probs
        image_embeds = encode_crops(clip, torch.stack(crops))
        labels = F.normalize(text_embeds[fg_labels].to(image_embeds), dim=-1)
        clip_log_p = (clip.logit_scale.float() * image_embeds @ labels.T).log_softmax(dim=-1)
        trained = set(train_names)
        is_base = torch.tensor([names[i] in trained for i in fg_labels], device=clip_log_p.device)
        weight = ensemble_weights(
            is_base, base_weight=self.base_weight, novel_weight=self.novel_weight
        )
        out = log_probs.clone()
        fg_index = torch.tensor(fg_labels, device=out.device)
        decoder_fg = log_probs[:, fg_labels].log_softmax(dim=1)  # decoder's split of the foreground
        for (b, mask), clip_scores in zip(segments, clip_log_p, strict=True):
            decoder_scores = decoder_fg[b][:, mask].exp().mean(dim=1).clamp_min(1e-6).log()
            combined = geometric_ensemble(
                decoder_scores, clip_scores, clip_weight=weight, log_space=True
            ).log_softmax(dim=0)
            rest = torch.log1p(-p_bg[b][mask].clamp(max=1 - 1e-6))  # log(1 - p_bg) per pixel
            block = out[b][:, mask]
            block[fg_index] = rest[None] + combined[:, None]
            out[b][:, mask] = block
        return out

    @staticmethod
    def from_config(cfg: dict | RegionRescorer | None) -> RegionRescorer | None:
        """None, an instance, or keyword arguments as a dict (configs)."""
        if cfg is None or isinstance(cfg, RegionRescorer):
            return cfg
        return RegionRescorer(**dict(cfg))
