"""The contrastive pretraining model: an open_clip CLIP trained end to end."""

from __future__ import annotations

import math
import os

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from clipx.backbone import build_open_clip
from clipx.checkpoint import save_clipx_checkpoint
from clipx.registry import MODELS

from .loss import ContrastiveLoss


@MODELS.register_module()
class CLIPPretrainer(BaseModel):
    """CLIP trained with its symmetric contrastive loss, as an mmengine model.

    Batches are ``{'inputs': images (B, 3, H, W), 'data_samples': {'text': tokens (B, L)}}``
    (what :class:`clipx.data.ImageTextDataset` yields through ``default_collate``).

    Args:
        model_name: open_clip architecture; both towers come from it.
        pretrained: a published tag to start from (instead of random init).
        checkpoint: a local file to start from.
        init_logit_scale: initial temperature 1/tau (CLIP: 1/0.07).
        max_logit_scale: the clamp on 1/tau (CLIP: 100).
        gather: gather features across ranks (global batch); see ContrastiveLoss.
        local_loss: only this rank's rows of the global logits.
        grad_checkpointing: recompute transformer activations in backward.
        channels_last: keep the image tower and its inputs in channels-last memory
            format (a ModifiedResNet tower trains ~1.45x faster on CPU this way).
        data_preprocessor: mmengine data preprocessor config (moves to device).
    """

    def __init__(
        self,
        *,
        model_name: str,
        pretrained: str | None = None,
        checkpoint: str | None = None,
        init_logit_scale: float = 1 / 0.07,
        max_logit_scale: float = 100.0,
        gather: bool = True,
        local_loss: bool = False,
        grad_checkpointing: bool = False,
        channels_last: bool = True,
        data_preprocessor: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor or dict(type="BaseDataPreprocessor"))
        self.model_name = model_name
        self.clip, self.preprocess_cfg = build_open_clip(model_name, pretrained, checkpoint)
        if pretrained is None and checkpoint is None:
            with torch.no_grad():
                self.clip.logit_scale.fill_(math.log(init_logit_scale))
        self.max_log_scale = math.log(max_logit_scale)
        self.loss_fn = ContrastiveLoss(gather=gather, local_loss=local_loss)
        if grad_checkpointing:
            self.clip.set_grad_checkpointing(True)
        self.channels_last = channels_last
        if channels_last:
            self.clip.visual.to(memory_format=torch.channels_last)

    def encode(self, images: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """L2-normalised (B, D) image and text embeddings."""
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        image_embeds = F.normalize(self.clip.encode_image(images), dim=-1)
        text_embeds = F.normalize(self.clip.encode_text(tokens), dim=-1)
        return image_embeds, text_embeds

    def forward(self, inputs: torch.Tensor, data_samples: dict | None = None, mode: str = "tensor"):
        tokens = _tokens_of(data_samples)
        if mode == "loss":
            with torch.no_grad():  # CLIP clamps 1/tau after every step
                self.clip.logit_scale.clamp_(0, self.max_log_scale)
            image_embeds, text_embeds = self.encode(inputs, tokens)
            scale = self.clip.logit_scale.exp()
            loss = self.loss_fn(image_embeds, text_embeds, scale)
            return {"loss": loss, "logit_scale": scale.detach()}
        image_embeds, text_embeds = self.encode(inputs, tokens)
        if mode == "tensor":
            return image_embeds, text_embeds
        if mode == "predict":
            return [
                {"image_embeds": i, "text_embeds": t[None], "image_id": n}
                for n, (i, t) in enumerate(zip(image_embeds, text_embeds, strict=True))
            ]
        raise ValueError(f"mode='{mode}' is not one of 'loss', 'predict', 'tensor'.")

    def export(self, path: str | os.PathLike) -> None:
        """Write a clipx checkpoint that FrozenCLIP and plain open_clip load."""
        save_clipx_checkpoint(
            self.clip, path, model_name=self.model_name, preprocess_cfg=self.preprocess_cfg
        )


def _tokens_of(data_samples) -> torch.Tensor:
    if isinstance(data_samples, dict) and "text" in data_samples:
        return data_samples["text"]
    raise ValueError(
        "CLIPPretrainer needs data_samples={'text': token ids (B, L)}; use clipx.ImageTextDataset with "
        "collate_fn=dict(type='default_collate')."
    )
