"""PatchPoolClassifier: classify by a learned pooling of the backbone's dense joint-space embeddings."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from clipx.backbone import FrozenCLIP, Vocabulary, build_clip, class_logits
from clipx.data.batch import gt_labels, sample_fields, stack_images
from clipx.registry import MODELS


@MODELS.register_module()
class PatchPoolClassifier(BaseModel):
    """Open-vocabulary classification from where the image is, not only what it is globally.

    The backbone's dense path puts every position in the joint space
    (``forward_dense(...).embeds``); a 1x1 convolution on the last feature map
    (its channels read from ``dense_spec``, before any forward) scores each
    position, a softmax over positions pools the embeddings, and the pooled
    embedding is scored against the vocabulary's text embeddings. The
    convolution starts at zero, so the untrained head is the plain mean of
    the dense embeddings (training-free); training teaches it where to look.

    Args:
        clip: a :class:`FrozenCLIP` or its config (needs a dense path).
        class_names: a fixed vocabulary; default: each batch's ``metainfo['classes']``.
        templates: prompt templates of the vocabulary.
        data_preprocessor: mmengine data preprocessor config.
    """

    def __init__(
        self,
        *,
        clip: FrozenCLIP | dict,
        class_names: Sequence[str] | None = None,
        templates: str | Sequence[str] = "name",
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.clip = build_clip(clip)
        last = self.clip.dense_spec()[-1]
        # no bias: the softmax over positions is blind to a constant, so a bias could never learn
        self.attend = nn.Conv2d(last.channels, 1, kernel_size=1, bias=False)
        nn.init.zeros_(self.attend.weight)
        self.templates = templates
        self.fixed = Vocabulary(class_names, templates) if class_names is not None else None

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) preprocessed images -> (B, D) L2-normalised pooled embeddings."""
        dense = self.clip.forward_dense(images)
        weights = self.attend(dense.maps[-1]).flatten(1).softmax(dim=-1)  # (B, H'W')
        pooled = (dense.embeds.flatten(2) * weights[:, None]).sum(dim=-1)
        return F.normalize(pooled, dim=-1)

    def forward(self, inputs, data_samples=None, mode: str = "predict"):
        samples = list(data_samples or [])
        vocabulary = Vocabulary.resolve(self.fixed, samples, self.templates, owner="PatchPoolClassifier")
        logits = class_logits(self.embed(stack_images(inputs)), vocabulary.embed(self.clip), self.clip.logit_scale)
        if mode == "loss":
            labels = gt_labels(samples, logits.device, num_classes=len(vocabulary))
            return {"loss": F.cross_entropy(logits, labels)}
        if mode == "predict":
            return [{"pred_logits": row, **sample_fields(s, ("gt_label", "img_id"))} for row, s in zip(logits, samples, strict=True)]
        if mode == "tensor":
            return logits
        raise ValueError(f"mode={mode!r}; use 'loss', 'predict' or 'tensor'.")
