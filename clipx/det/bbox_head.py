"""ViLD's box head: region embeddings scored against text embeddings, class-agnostic boxes."""

from __future__ import annotations

import torch
from mmdet.models.roi_heads.bbox_heads import ConvFCBBoxHead
from mmdet.registry import MODELS
from torch import nn

from .scope import mmdet_scope
from .scores import text_logits


def _mlp(in_features: int, hidden: int, num_layers: int, out_features: int) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Flatten(1)]
    for i in range(num_layers):
        layers += [nn.Linear(in_features if i == 0 else hidden, hidden), nn.ReLU(inplace=True)]
    layers.append(nn.Linear(hidden if num_layers else in_features, out_features))
    return nn.Sequential(*layers)


@MODELS.register_module()
class ViLDBBoxHead(ConvFCBBoxHead):
    """Shared FCs -> a region embedding in CLIP's space -> cosine logits against the vocabulary.

    The classifier has no class weights: each region's embedding is compared
    with the (C, D) text embeddings passed at call time plus one learnable
    background embedding, and the cosines are divided by ``temperature``
    (ViLD-text). Box regression is class-agnostic, so it does not depend on
    the vocabulary either.

    With ``image_head=True`` a second branch of the same shape (its own FCs
    and projection) embeds regions for ViLD-image distillation and for the
    ensemble; otherwise distillation trains the text branch's embedding (ViLD).

    ``num_classes`` follows the vocabulary: the RoI head sets it to C before
    computing targets (background label = C).

    Args:
        embed_dim: D, CLIP's joint embedding dimension.
        temperature: divides the cosine similarities (ViLD: 0.01).
        image_head: add the separate image-embedding branch (ViLD-ensemble).
        num_shared_fcs: FC layers shared by classification and regression.
        fc_out_channels: their width.
        **kwargs: :class:`mmdet.models.roi_heads.bbox_heads.BBoxHead` arguments
            (``in_channels``, ``roi_feat_size``, ``bbox_coder``, ``loss_cls``,
            ``loss_bbox``, ...).
    """

    def __init__(
        self,
        *,
        embed_dim: int,
        temperature: float = 0.01,
        image_head: bool = False,
        num_shared_fcs: int = 2,
        fc_out_channels: int = 1024,
        **kwargs,
    ) -> None:
        if not kwargs.pop("reg_class_agnostic", True):
            raise ValueError(
                "ViLDBBoxHead regresses boxes class-agnostically; drop reg_class_agnostic=False."
            )
        if temperature <= 0:
            raise ValueError(f"temperature={temperature}; use a positive value (ViLD: 0.01).")
        kwargs.setdefault("num_classes", 1)
        with mmdet_scope():
            super().__init__(
                num_shared_fcs=num_shared_fcs,
                fc_out_channels=fc_out_channels,
                with_cls=False,
                reg_class_agnostic=True,
                **kwargs,
            )
        self.embed_dim = int(embed_dim)
        self.temperature = float(temperature)
        self.text_proj = nn.Linear(self.cls_last_dim, self.embed_dim)
        self.background = nn.Parameter(torch.randn(self.embed_dim) / self.embed_dim**0.5)
        self.image_branch = (
            _mlp(
                self.in_channels * self.roi_feat_area,
                fc_out_channels,
                num_shared_fcs,
                self.embed_dim,
            )
            if image_head
            else None
        )

    @property
    def has_image_head(self) -> bool:
        return self.image_branch is not None

    def _shared(self, feats: torch.Tensor) -> torch.Tensor:
        x = feats.flatten(1)
        for fc in self.shared_fcs:
            x = self.relu(fc(x))
        return x

    def forward(
        self, feats: torch.Tensor, text_embeds: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Classify and regress RoI features.

        Args:
            feats: (N, C_in, S, S) RoI features.
            text_embeds: (C, D) L2-normalised class embeddings.

        Returns:
            ``cls_score`` (N, C + 1) logits (last column background) and
            ``bbox_pred`` (N, 4) class-agnostic deltas.
        """
        x = self._shared(feats)
        logits = text_logits(self.text_proj(x), text_embeds, self.background, self.temperature)
        return logits, self.fc_reg(x)

    def text_embed(self, feats: torch.Tensor) -> torch.Tensor:
        """(N, D) unnormalised embeddings of the text branch."""
        return self.text_proj(self._shared(feats))

    def image_embed(self, feats: torch.Tensor) -> torch.Tensor:
        """(N, D) unnormalised embeddings of the image branch (the text branch without one)."""
        if self.image_branch is None:
            return self.text_embed(feats)
        return self.image_branch(feats)
