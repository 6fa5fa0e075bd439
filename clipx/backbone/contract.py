"""The head contract: everything a clipx head may ask of the shared CLIP backbone.

Read this file first when you write a head. A head (LSeg's decoder, ViLD's
RoI head, a video aggregator, an adapter, your own) receives a backbone that
satisfies :class:`CLIPBackbone` and uses nothing else of it: not the wrapped
open_clip model, not its modules, not its parameters by name. What a head
needs and the contract lacks is added here (documented and tested), never
reached for from outside ``clipx/backbone/``. The one stated exception is
contrastive pretraining (:mod:`clipx.pretrain`), which trains the open_clip
model itself.

:class:`clipx.backbone.FrozenCLIP` is the implementation every shipped head
uses. The parts, grouped the way heads use them:

**Space.** ``embed_dim`` (D, the joint image-text dimension), ``logit_scale``
(CLIP's temperature 1/tau, exponentiated, a float32 scalar tensor) and
``log_logit_scale`` (its log, a detached copy for heads that learn their own).

**Global embeddings.** ``encode_image(images)`` -> (B, D) and
``encode_text(texts)`` -> (N, D), float32 and L2-normalised, so
``logit_scale * image @ text.T`` are CLIP's logits.

**Vocabularies.** ``embed_classes(names, templates=...)`` -> (C, D): the CLIP
prompt ensemble (encode every template filled with every name, normalise,
average over templates, normalise), cached by the text tower's content
fingerprint; ``embed_prompts(names, templates=...)`` -> (C, K, D), every
template's embedding unaveraged (ActionCLIP draws one per sample). Heads hold
their labels as a :class:`clipx.backbone.Vocabulary` (names + templates, from
a list or a dataset's metainfo, changed at inference) and embed it with
``vocabulary.embed(backbone)``.

**Per-token text.** ``encode_text_tokens(texts)`` -> :class:`TextTokens`: each
token's final feature (after the text tower's last layer norm, (N, L, W) with
W = ``text_width``), the same projected into the joint space ((N, L, D)), the
attention mask (N, L) (True at the start token, the words and the end token),
the token ids and the end-token position. Grounding heads align regions to
words with them. ``text_width`` is W; ``context_length`` is L.
``token_spans(texts)`` says which characters of each text every token of
``tokenize(texts)`` covers (None for the start and end tokens), so a phrase's
character span in a caption names its tokens (what a Hugging Face tokenizer's
``char_to_token`` answers for GLIP).

**Dense image features.** ``dense_spec(indices)`` *declares*, without running
the model, a :class:`FeatureSpec` (channels, stride) per level that
``forward_dense(images, indices=...)`` returns (``num_dense_levels`` levels
can be indexed, negative indices count from the end); ``has_dense`` says whether the
image tower has a dense path at all. open_clip's ViTs and ModifiedResNets have
one, and so do timm ViTs with a convolutional stem (clipx's
``clipx-ViT-*-cs-*``); a backbone without one (other timm or Hugging Face
towers, ViTs pooled by an attentional pooler) raises
:class:`DenseUnavailableError` from both, naming the architectures that have
one. A ViT level is one map cell per token, its stride the patch size (for a
conv-stem ViT the stem's downsampling times the patch size), at any input
size that is a multiple of the stride; ResNet stages have strides 4, 4, 8,
16, 32. ``forward_dense`` returns :class:`clipx.backbone.DenseFeatures`:
``maps`` (one (B, C_i, H/s_i, W/s_i) map per index), ``embeds`` ((B, D, H', W')
every position of the last level projected into the joint space, by default
MaskCLIP's way through the last block's value path, L2-normalised) and
``image_embeds`` ((B, D), ``encode_image``'s embedding at the model's image size).

**Text-tower parts for initialisation.** ``copy_text_blocks(count)`` returns
independent trainable copies of the first text transformer blocks, and
``text_positions()`` a detached copy of the text position table, for heads
that start from CLIP's text transformer (CLIP4Clip's seqTransf); both are
copies: training them never changes the backbone.

**Freezing.** ``is_frozen('image' | 'text')`` and
``trainable_parameter_names(tower)`` say which towers train (a head that
caches frozen outputs checks them); ``has_trainable_parameters`` covers both.

**Preprocessing.** ``image_size`` (H, W) of ``encode_image``,
``preprocess_cfg`` (open_clip's dict: size, mean, std, interpolation,
resize_mode), ``image_transform(is_train)`` (PIL -> tensor), ``normalise(rgb)``
((H, W, 3) uint8 -> (3, H, W) float32) and ``tokenize(texts)``.

**Identity.** ``image_fingerprint()`` and ``text_fingerprint()``: content
hashes of each tower's weights, so caches of frozen outputs (class
embeddings, frame and region embeddings) follow the weights and refuse to mix
backbones. ``model_name`` names the architecture.

**Memory format.** ``use_channels_last()`` runs a convolutional image tower in
channels-last format, its inputs converted too (values unchanged, faster on
CPUs); a no-op for ViTs.
``tower_kind`` is ``'vit'``, ``'resnet'`` or ``'timm'``.

The test ``tests/test_backbone/test_contract.py`` checks every part on every
clipx architecture; ``tests/test_contract_boundary.py`` checks that nothing
outside ``clipx/backbone/`` touches the wrapped model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import torch

Tower = Literal["image", "text"]
TOWERS: tuple[str, ...] = ("image", "text")


class DenseUnavailableError(NotImplementedError):
    """The backbone's image tower has no dense path (raised by ``dense_spec`` and ``forward_dense``)."""


class TextTokensUnavailableError(NotImplementedError):
    """The backbone's text tower does not expose per-token features."""


@dataclass(frozen=True)
class FeatureSpec:
    """One level of dense features, declared before any forward pass.

    Attributes:
        index: the block (ViT, open_clip's or timm's) or stage (ModifiedResNet:
            0 = stem, 1-4 = layer1-4) it comes from, counted from 0.
        channels: C of the (B, C, H/stride, W/stride) map.
        stride: input pixels per map cell.
    """

    index: int
    channels: int
    stride: int


@dataclass
class DenseFeatures:
    """What :meth:`CLIPBackbone.forward_dense` returns.

    Attributes:
        maps: one (B, C_i, H_i, W_i) map per requested block or stage.
        embeds: (B, D, H', W') joint-space embedding of every position of the
            last map (L2-normalised by FrozenCLIP).
        image_embeds: (B, D) global embedding of the same forward pass.
    """

    maps: list[torch.Tensor]
    embeds: torch.Tensor
    image_embeds: torch.Tensor


@dataclass
class TextTokens:
    """Per-token text features (what :meth:`CLIPBackbone.encode_text_tokens` returns).

    Attributes:
        features: (N, L, W) each token after the text tower's final layer norm.
        embeds: (N, L, D) ``features`` through the text projection (not
            normalised); ``embeds[i, eot[i]]`` normalised is ``encode_text``'s row i.
        mask: (N, L) bool, True at real tokens (start, words, end), False at padding.
        token_ids: (N, L) long, the tokenizer's ids.
        eot: (N,) long, the position of each text's end token.
    """

    features: torch.Tensor
    embeds: torch.Tensor
    mask: torch.Tensor
    token_ids: torch.Tensor
    eot: torch.Tensor


@runtime_checkable
class CLIPBackbone(Protocol):
    """What a head may use (see the module docstring for the meaning of each part)."""

    model_name: str

    @property
    def embed_dim(self) -> int: ...

    @property
    def logit_scale(self) -> torch.Tensor: ...

    @property
    def log_logit_scale(self) -> torch.Tensor: ...

    @property
    def image_size(self) -> tuple[int, int]: ...

    @property
    def preprocess_cfg(self) -> dict: ...

    @property
    def text_width(self) -> int: ...

    @property
    def context_length(self) -> int: ...

    @property
    def has_dense(self) -> bool: ...

    @property
    def num_dense_levels(self) -> int: ...

    @property
    def tower_kind(self) -> str: ...

    @property
    def has_trainable_parameters(self) -> bool: ...

    def encode_image(self, images: torch.Tensor) -> torch.Tensor: ...

    def encode_text(self, texts: Sequence[str] | torch.Tensor) -> torch.Tensor: ...

    def encode_text_tokens(self, texts: Sequence[str] | torch.Tensor) -> TextTokens: ...

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int] | None]]: ...

    def embed_classes(
        self, class_names: Sequence[str], *, templates: str | Sequence[str] | None = None
    ) -> torch.Tensor: ...

    def embed_prompts(
        self, class_names: Sequence[str], *, templates: str | Sequence[str] | None = None
    ) -> torch.Tensor: ...

    def dense_spec(self, indices: Sequence[int] | None = None) -> list[FeatureSpec]: ...

    def forward_dense(
        self, images: torch.Tensor, *, indices: Sequence[int] | None = None
    ) -> DenseFeatures: ...

    def copy_text_blocks(self, count: int) -> torch.nn.ModuleList: ...

    def text_positions(self) -> torch.Tensor: ...

    def is_frozen(self, tower: Tower) -> bool: ...

    def trainable_parameter_names(self, tower: Tower) -> list[str]: ...

    def image_transform(self, is_train: bool = False): ...

    def normalise(self, rgb) -> torch.Tensor: ...

    def tokenize(self, texts: Sequence[str]) -> torch.Tensor: ...

    def image_fingerprint(self) -> str: ...

    def text_fingerprint(self) -> str: ...

    def use_channels_last(self) -> None: ...


def check_tower(tower: str) -> str:
    """``tower`` if it names a tower, else a ValueError listing the names."""
    if tower not in TOWERS:
        raise ValueError(f"tower={tower!r}; use one of {TOWERS}.")
    return tower
