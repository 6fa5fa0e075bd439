"""The shared CLIP backbone every clipx head plugs into."""

from __future__ import annotations

import copy
import difflib
import hashlib
import logging
import os
import warnings
from collections.abc import Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import open_clip
import torch
import torch.nn.functional as F
from open_clip.factory import resize_pos_embed, resize_text_pos_embed
from open_clip.transform import PreprocessCfg, image_transform_v2, merge_preprocess_dict
from torch import nn

from clipx.checkpoint import extract_clip_state_dict, load_checkpoint_file

from .contract import (
    DenseUnavailableError,
    FeatureSpec,
    TextTokens,
    TextTokensUnavailableError,
    Tower,
    check_tower,
)
from .dense import DenseFeatures, dense_forward, dense_unavailable_reason, resolve_indices
from .prompt_bank import PromptBank
from .timm_dense import timm_dense_levels
from .token_spans import simple_tokenizer_spans

logger = logging.getLogger(__name__)

PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class Unfreeze:
    """Which parts of the backbone train (everything else stays frozen).

    Attributes:
        last_blocks: the last N transformer blocks (ViT) or residual stages
            (ModifiedResNet) of the image tower.
        last_text_blocks: the last N blocks of the text transformer.
        names: parameter-name prefixes, e.g. ``('visual.proj', 'text_projection',
            'logit_scale')``.
    """

    last_blocks: int = 0
    last_text_blocks: int = 0
    names: tuple[str, ...] = ()


class FrozenCLIP(nn.Module):
    """An open_clip model behind the head contract, frozen by default.

    It implements :class:`clipx.backbone.contract.CLIPBackbone` (read that
    module for what each part means and which head uses it): L2-normalised
    global image and text embeddings, class and per-template prompt
    embeddings (cached), per-token text features with their mask, dense
    features with declared channels and strides at input sizes other than the
    pretraining size, the logit scale, which towers train, the preprocessing,
    and content fingerprints of both towers. Heads use nothing else; the
    wrapped open_clip model is private to ``clipx/backbone/``.

    Frozen means: no parameter requires grad, :meth:`train` leaves the module in
    eval mode, and forward passes run under ``torch.no_grad``. ``unfreeze``
    opens named parts for users who ask for it.

    Args:
        model_name: any open_clip architecture (``open_clip.list_models()``),
            including clipx's tiny ones (``clipx-ViT-tiny-8-64``, ...).
        pretrained: a published open_clip tag (``'openai'``, ``'laion2b_s34b_b79k'``),
            resolved and downloaded by open_clip. Never a path.
        checkpoint: a local file: an open_clip/OpenAI state dict, a clipx
            checkpoint, or an mmengine checkpoint of a model holding a CLIP.
        unfreeze: what trains; a :class:`Unfreeze` or its dict. Default: nothing.
        precision: ``'fp32'``, ``'bf16'`` (weights in bf16: ~3x faster image
            encoding on CPUs with bf16 units), or ``'fp16'`` (CUDA only). Outputs
            are always float32. Only a fully frozen backbone may run below fp32.
        dense_indices: blocks (ViT) or stages (ResNet: 0 = stem, 1-4 = layers)
            whose maps :meth:`forward_dense` returns; negative counts from the end.
        dense_mode: how positions reach the joint space: ``'maskclip'`` (the
            last block's value path, MaskCLIP) or ``'tokens'`` (final tokens
            through ``ln_post`` and ``proj``, or a timm ViT's final norm and
            heads). ResNets always use the attention pool's value and output
            projections.
        prompt_templates: default templates of :meth:`embed_classes`.
        text_cache_dir: optional on-disk cache of class embeddings.
        cache_dir: open_clip's download cache for ``pretrained``.
    """

    def __init__(
        self,
        *,
        model_name: str,
        pretrained: str | None = None,
        checkpoint: str | os.PathLike | None = None,
        unfreeze: Unfreeze | dict | None = None,
        precision: str = "fp32",
        dense_indices: Sequence[int] = (-1,),
        dense_mode: str = "maskclip",
        prompt_templates: str | Sequence[str] = "default",
        text_cache_dir: str | os.PathLike | None = None,
        cache_dir: str | None = None,
    ) -> None:
        super().__init__()
        if pretrained is not None and checkpoint is not None:
            raise ValueError(
                f"Give either pretrained='{pretrained}' (a published tag) or checkpoint='{checkpoint}' "
                "(a local file), not both."
            )
        if precision not in PRECISIONS:
            raise ValueError(f"precision='{precision}' is not one of {sorted(PRECISIONS)}.")
        if dense_mode not in ("maskclip", "tokens"):
            raise ValueError(f"dense_mode='{dense_mode}' is not one of 'maskclip', 'tokens'.")
        self.model_name = check_model_name(model_name)
        self.pretrained = pretrained
        self.checkpoint = str(checkpoint) if checkpoint is not None else None
        self.dense_indices = tuple(int(i) for i in dense_indices)
        self.dense_mode = dense_mode

        self.clip, preprocess_cfg = build_open_clip(self.model_name, pretrained, self.checkpoint, cache_dir)
        self.preprocess_cfg: dict = preprocess_cfg
        self.tokenizer = open_clip.get_tokenizer(self.model_name)
        self.context_length: int = int(getattr(self.tokenizer, "context_length", 77))

        self.unfreeze = unfreeze if isinstance(unfreeze, Unfreeze) else Unfreeze(**(unfreeze or {}))
        self._apply_freezing()
        if precision != "fp32":
            if self.has_trainable_parameters:
                raise ValueError(
                    f"precision='{precision}' keeps the weights in low precision, which cannot train; "
                    "use precision='fp32' with unfreeze (and mixed precision in the optimizer wrapper)."
                )
            self.clip.to(PRECISIONS[precision])
        self.precision = precision
        self.clip.eval()
        self._text_fingerprint: str | None = None
        self._image_fingerprint: str | None = None
        self.channels_last = False
        # weights loaded later (a runner's checkpoint) make the fingerprints stale
        self.register_load_state_dict_post_hook(FrozenCLIP._forget_fingerprints)
        self.prompt_bank = PromptBank(templates=prompt_templates, cache_dir=text_cache_dir)

    # ------------------------------------------------------------------ state
    @property
    def tower_kind(self) -> str:
        """``'vit'`` (open_clip VisionTransformer), ``'resnet'`` (ModifiedResNet), ``'timm'`` or ``'other'``."""
        visual = self.clip.visual
        if isinstance(visual, open_clip.transformer.VisionTransformer):
            return "vit"
        if isinstance(visual, open_clip.modified_resnet.ModifiedResNet):
            return "resnet"
        if isinstance(visual, open_clip.timm_model.TimmModel):
            return "timm"
        return "other"

    @property
    def is_vit(self) -> bool:
        return self.tower_kind == "vit"

    @property
    def embed_dim(self) -> int:
        """Dimension D of the joint image-text space."""
        return int(self.clip.text_projection.shape[1]) if isinstance(
            self.clip.text_projection, torch.Tensor
        ) else int(self.clip.visual.output_dim)

    @property
    def image_size(self) -> tuple[int, int]:
        size = self.clip.visual.image_size
        return (size, size) if isinstance(size, int) else tuple(size)

    @property
    def dtype(self) -> torch.dtype:
        return PRECISIONS[self.precision]

    @property
    def device(self) -> torch.device:
        return self.clip.logit_scale.device

    @property
    def logit_scale(self) -> torch.Tensor:
        """CLIP's learned temperature, exponentiated (a scalar tensor)."""
        return self.clip.logit_scale.exp().float()

    @property
    def log_logit_scale(self) -> torch.Tensor:
        """The log of :attr:`logit_scale` as stored (a detached float32 copy), for heads that learn their own."""
        return self.clip.logit_scale.detach().float().clone()

    @property
    def text_width(self) -> int:
        """W, the width of the text transformer's tokens (:meth:`encode_text_tokens` features)."""
        return int(self._text_transformer().width)

    @property
    def text_layers(self) -> int:
        """Number of blocks of the text transformer."""
        return len(self._text_transformer().resblocks)

    @property
    def has_trainable_parameters(self) -> bool:
        return any(p.requires_grad for p in self.parameters())

    def train(self, mode: bool = True) -> FrozenCLIP:
        """Keep the backbone in eval mode whatever the caller asks.

        Dropout and BatchNorm statistics stay as pretrained even when parts are
        unfrozen; their weights still receive gradients.
        """
        super().train(False)
        return self

    def _grad_context(self):
        return nullcontext() if self.has_trainable_parameters else torch.no_grad()

    def is_frozen(self, tower: Tower) -> bool:
        """Whether no parameter of the ``'image'`` or ``'text'`` tower trains."""
        return not self.trainable_parameter_names(tower)

    def trainable_parameter_names(self, tower: Tower) -> list[str]:
        """Names (as in the open_clip model, e.g. ``'visual.proj'``) of the tower's trainable parameters."""
        return [n for n, p in self._tower_parameters(tower) if p.requires_grad]

    def _tower_parameters(self, tower: Tower) -> list[tuple[str, nn.Parameter]]:
        visual = check_tower(tower) == "image"
        return [(n, p) for n, p in self.clip.named_parameters() if n.startswith("visual.") == visual]

    def _apply_freezing(self) -> None:
        for p in self.clip.parameters():
            p.requires_grad_(False)
        spec = self.unfreeze
        named = dict(self.clip.named_parameters())
        for prefix in spec.names:
            hits = [n for n in named if n == prefix or n.startswith(prefix + ".")]
            if not hits:
                tops = sorted({n.split(".")[0] for n in named})
                raise ValueError(
                    f"unfreeze name '{prefix}' matches no parameter of {self.model_name}. "
                    f"Top-level names: {tops}; visual ones start with 'visual.'."
                )
            for n in hits:
                named[n].requires_grad_(True)
        if spec.last_blocks:
            for module in self._image_blocks()[-spec.last_blocks:]:
                module.requires_grad_(True)
        if spec.last_text_blocks:
            blocks = list(self._text_transformer().resblocks)
            if spec.last_text_blocks > len(blocks):
                raise ValueError(
                    f"last_text_blocks={spec.last_text_blocks} but {self.model_name}'s text tower has "
                    f"{len(blocks)} blocks."
                )
            for module in blocks[-spec.last_text_blocks:]:
                module.requires_grad_(True)

    def _image_blocks(self) -> list[nn.Module]:
        visual = self.clip.visual
        if self.is_vit:
            blocks = list(visual.transformer.resblocks)
        elif isinstance(visual, open_clip.modified_resnet.ModifiedResNet):
            blocks = [visual.layer1, visual.layer2, visual.layer3, visual.layer4]
        else:
            raise ValueError(f"unfreeze.last_blocks is not supported for {type(visual).__name__} towers.")
        if self.unfreeze.last_blocks > len(blocks):
            raise ValueError(
                f"last_blocks={self.unfreeze.last_blocks} but {self.model_name}'s image tower has "
                f"{len(blocks)} blocks."
            )
        return blocks

    # ------------------------------------------------------------------ image
    def image_transform(self, is_train: bool = False):
        """The model's own preprocessing (PIL image -> normalised tensor)."""
        return image_transform_v2(PreprocessCfg(**self.preprocess_cfg), is_train=is_train)

    def normalise(self, rgb) -> torch.Tensor:
        """(H, W, 3) uint8 RGB (numpy or tensor) -> (3, H, W) float32, normalised as the model expects."""
        image = torch.as_tensor(np.ascontiguousarray(rgb)).permute(2, 0, 1).float() / 255.0
        mean = torch.tensor(self.preprocess_cfg["mean"], dtype=torch.float32).view(3, 1, 1)
        std = torch.tensor(self.preprocess_cfg["std"], dtype=torch.float32).view(3, 1, 1)
        return (image - mean) / std

    def use_channels_last(self) -> None:
        """Run a convolutional image tower in channels-last memory format (a no-op for ViTs)."""
        if self.tower_kind != "vit":
            self.clip.visual.to(memory_format=torch.channels_last)
            self.channels_last = True  # inputs follow (_prepare), so convolutions see one format

    @staticmethod
    def _forget_fingerprints(module: FrozenCLIP, incompatible_keys) -> None:
        module._text_fingerprint = module._image_fingerprint = None

    def image_fingerprint(self) -> str:
        """A content hash of every weight and buffer of the image tower, so caches follow the weights.

        Computed once while the image tower is frozen; recomputed on every call
        when some of it trains.
        """
        if self._image_fingerprint is None or not self.is_frozen("image"):
            digest = hashlib.sha256()
            for name, tensor in sorted(self.clip.visual.state_dict().items()):
                flat = tensor.detach().cpu().contiguous().reshape(-1)
                digest.update(f"{name}:{flat.dtype}:{tuple(tensor.shape)}".encode())
                digest.update(flat.view(torch.uint8).numpy().tobytes())
            self._image_fingerprint = digest.hexdigest()[:16]
        return self._image_fingerprint

    def _prepare(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(
                f"images must be a (B, 3, H, W) tensor, got shape {tuple(images.shape)}; "
                "preprocess with FrozenCLIP.image_transform()."
            )
        images = images.to(device=self.device, dtype=self.dtype)
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        return images

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        """Global image embeddings.

        Args:
            images: (B, 3, H, W), preprocessed at the model's image size.

        Returns:
            (B, D) float32, L2-normalised.
        """
        images = self._prepare(images)
        if images.shape[-2:] != self.image_size:
            raise ValueError(
                f"encode_image expects {self.image_size[0]}x{self.image_size[1]} inputs for "
                f"{self.model_name}, got {images.shape[-2]}x{images.shape[-1]}; use forward_dense for "
                "other sizes or resize with image_transform()."
            )
        with self._grad_context():
            feats = self.clip.encode_image(images)
        return F.normalize(feats.float(), dim=-1)

    def forward_dense(self, images: torch.Tensor, *, indices: Sequence[int] | None = None) -> DenseFeatures:
        """Dense features at any input size (for ViTs a multiple of the token stride: the patch size,
        or the conv stem's downsampling times the patch size).

        Args:
            images: (B, 3, H, W) preprocessed images.
            indices: blocks/stages to return; defaults to ``dense_indices``.

        Returns:
            :class:`DenseFeatures`: ``maps``, one (B, C_i, H_i, W_i) map per index;
            ``embeds`` (B, D, H', W') per-position joint-space embeddings,
            L2-normalised; ``image_embeds`` (B, D) L2-normalised.
        """
        self._check_dense()
        images = self._prepare(images)
        with self._grad_context():
            out = dense_forward(
                self.clip.visual, images, indices=tuple(indices or self.dense_indices), mode=self.dense_mode
            )
        return DenseFeatures(
            maps=[m.float() for m in out.maps],
            embeds=F.normalize(out.embeds.float(), dim=1),
            image_embeds=F.normalize(out.image_embeds.float(), dim=-1),
        )

    @property
    def has_dense(self) -> bool:
        """Whether :meth:`forward_dense` works for this image tower."""
        return dense_unavailable_reason(self.clip.visual, self.dense_mode) is None

    def _check_dense(self) -> None:
        reason = dense_unavailable_reason(self.clip.visual, self.dense_mode)
        if reason is not None:
            raise DenseUnavailableError(
                f"{self.model_name} has no dense features: {reason}. Dense heads (LSeg, ViLD with a CLIP "
                "backbone) need an open_clip ViT or ModifiedResNet image tower or a timm ViT with a "
                "convolutional stem, e.g. clipx-RN-tiny-64, clipx-ViT-tiny-8-64, clipx-ViT-nano-cs-64, "
                "ViT-B-32, RN50."
            )

    @property
    def num_dense_levels(self) -> int:
        """How many levels ``dense_spec`` / ``forward_dense`` can index: ViT blocks, 5 ResNet stages, 0 without a dense path."""
        if not self.has_dense:
            return 0
        if self.tower_kind == "timm":
            return len(timm_dense_levels(self.clip.visual))
        return len(self.clip.visual.transformer.resblocks) if self.tower_kind == "vit" else 5

    def dense_spec(self, indices: Sequence[int] | None = None) -> list[FeatureSpec]:
        """Channels and stride of each map :meth:`forward_dense` returns, declared without a forward pass.

        Args:
            indices: blocks/stages; defaults to ``dense_indices``.

        Raises:
            DenseUnavailableError: the image tower has no dense path.
        """
        self._check_dense()
        visual = self.clip.visual
        indices = tuple(indices or self.dense_indices)
        if self.tower_kind == "timm":
            levels = timm_dense_levels(visual)
            return [levels[i] for i in resolve_indices(indices, len(levels), "blocks")]
        if self.tower_kind == "vit":
            taken = resolve_indices(indices, self.num_dense_levels, "blocks")
            stride = int(visual.patch_size[0])
            return [FeatureSpec(index=i, channels=int(visual.transformer.width), stride=stride) for i in taken]
        taken = resolve_indices(indices, 5, "stages (0 = stem, 1-4 = layer1-4)")
        width = visual.layer1[0].conv1.in_channels  # the stem's output width
        channels = [width, width * 4, width * 8, width * 16, width * 32]
        strides = [4, 4, 8, 16, 32]
        return [FeatureSpec(index=i, channels=channels[i], stride=strides[i]) for i in taken]

    def dense_channels(self, indices: Sequence[int] | None = None) -> list[int]:
        """Channel count C_i of each map :meth:`forward_dense` returns (from :meth:`dense_spec`)."""
        return [spec.channels for spec in self.dense_spec(indices)]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.encode_image(images)

    # ------------------------------------------------------------------ text
    def tokenize(self, texts: Sequence[str]) -> torch.Tensor:
        """Token ids (N, context_length); warns when a text is truncated."""
        if isinstance(texts, str):
            raise TypeError(f"tokenize takes a list of strings, got the single string {texts!r}.")
        texts = list(texts)
        encode = getattr(self.tokenizer, "encode", None)
        if encode is not None:
            too_long = [t for t in texts if len(encode(t)) + 2 > self.context_length]
            if too_long:
                warnings.warn(
                    f"{len(too_long)} text(s) exceed {self.model_name}'s context of {self.context_length} "
                    f"tokens and are truncated, e.g. {too_long[0][:80]!r}.",
                    stacklevel=3,
                )
        return self.tokenizer(texts)

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int] | None]]:
        """Where each token of ``tokenize(texts)`` sits in its text, for grounding heads.

        Returns:
            per text, one entry per token (start token, every word token, end
            token): ``(start, end)``, the characters ``text[start:end]`` the token
            covers, or None for the start and end tokens. Entry i is position i of
            ``tokenize`` while the list fits ``context_length``; a longer text is
            truncated by ``tokenize`` (the list's length says so).

        Raises:
            TextTokensUnavailableError: the tokenizer is not open_clip's BPE one.
            ValueError: the tokenizer's cleaning rewrites the text (see
                :func:`clipx.backbone.token_spans.simple_tokenizer_spans`).
        """
        if isinstance(texts, str):
            raise TypeError(f"token_spans takes a list of strings, got the single string {texts!r}.")
        try:
            per_text = [simple_tokenizer_spans(self.tokenizer, t) for t in texts]
        except TypeError as err:
            raise TextTokensUnavailableError(f"{self.model_name}: {err}") from err
        return [[None, *spans.spans, None] for spans in per_text]

    def encode_text(self, texts: Sequence[str] | torch.Tensor) -> torch.Tensor:
        """Text embeddings.

        Args:
            texts: N strings (tokenised with the model's tokenizer), or token ids
                (N, context_length).

        Returns:
            (N, D) float32, L2-normalised.
        """
        tokens = texts if isinstance(texts, torch.Tensor) else self.tokenize(texts)
        with self._grad_context():
            feats = self.clip.encode_text(tokens.to(self.device))
        return F.normalize(feats.float(), dim=-1)

    def encode_text_tokens(self, texts: Sequence[str] | torch.Tensor) -> TextTokens:
        """Per-token text features, for heads that align image regions to words.

        Args:
            texts: N strings, or token ids (N, context_length).

        Returns:
            :class:`~clipx.backbone.contract.TextTokens`: features (N, L, W) after
            the final layer norm, embeds (N, L, D) projected, mask (N, L), ids, eot.
        """
        if not isinstance(self.clip, open_clip.model.CLIP):
            raise TextTokensUnavailableError(
                f"{self.model_name}'s text tower ({type(self.clip).__name__}) does not expose per-token "
                "features through clipx; use an architecture with open_clip's own text transformer."
            )
        tokens = (texts if isinstance(texts, torch.Tensor) else self.tokenize(texts)).to(self.device)
        with self._grad_context():
            out = self.clip.forward_intermediates(
                text=tokens, text_indices=1, normalize_intermediates=True, normalize=False
            )
        features = out["text_intermediates"][-1]
        projection = self.clip.text_projection
        if projection is None:
            embeds = features
        elif isinstance(projection, nn.Linear):
            embeds = projection(features)
        else:
            embeds = features @ projection
        eot = _end_positions(tokens, self.clip.text_pool_type, getattr(self.clip, "text_eos_id", None))
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        return TextTokens(
            features=features.float(),
            embeds=embeds.float(),
            mask=positions[None] <= eot[:, None],
            token_ids=tokens,
            eot=eot,
        )

    def embed_classes(
        self, class_names: Sequence[str], *, templates: str | Sequence[str] | None = None
    ) -> torch.Tensor:
        """(C, D) L2-normalised class embeddings from the prompt bank (cached)."""
        return self.prompt_bank.embed(self, class_names, templates=templates)

    def embed_prompts(
        self, class_names: Sequence[str], *, templates: str | Sequence[str] | None = None
    ) -> torch.Tensor:
        """(C, K, D) L2-normalised embeddings of every class name in each of K templates (cached)."""
        return self.prompt_bank.embed_prompts(self, class_names, templates=templates)

    def copy_text_blocks(self, count: int) -> nn.ModuleList:
        """Independent float32 trainable copies of the first ``count`` text transformer blocks."""
        blocks = list(self._text_transformer().resblocks)
        if not 0 <= count <= len(blocks):
            raise ValueError(f"count={count}; {self.model_name}'s text transformer has {len(blocks)} blocks.")
        return nn.ModuleList(copy.deepcopy(b) for b in blocks[:count]).float().requires_grad_(True)

    def text_positions(self) -> torch.Tensor | None:
        """A detached float32 copy of the text position table (L, W), or None when the tower has none."""
        table = getattr(self.clip, "positional_embedding", None)
        return None if table is None else table.detach().float().clone()

    def _text_transformer(self) -> nn.Module:
        transformer = getattr(self.clip, "transformer", None)
        if transformer is None or not hasattr(transformer, "resblocks"):
            raise TextTokensUnavailableError(
                f"{self.model_name}'s text tower ({type(self.clip).__name__}) is not open_clip's text "
                "transformer; its blocks and width are not available."
            )
        return transformer

    def text_fingerprint(self) -> str:
        """A content hash of the text tower, so caches follow the weights.

        Computed once while the text side is frozen; recomputed on every call
        when some of it trains.
        """
        text_params = self._tower_parameters("text")
        trainable = any(p.requires_grad for _, p in text_params)
        if self._text_fingerprint is None or trainable:
            self._text_fingerprint = _hash_parameters(self.model_name, text_params).hexdigest()[:16]
        return self._text_fingerprint

    def extra_repr(self) -> str:
        source = self.pretrained or self.checkpoint or "random init"
        trainable = sum(p.numel() for p in self.parameters() if p.requires_grad)
        return f"model_name={self.model_name}, weights={source}, precision={self.precision}, trainable={trainable}"


def _hash_parameters(model_name: str, params: Sequence[tuple[str, torch.Tensor]]):
    """sha1 over a strided sample of every parameter (names included)."""
    h = hashlib.sha1(model_name.encode())
    for name, p in params:
        flat = p.detach().flatten()
        step = max(1, flat.numel() // 4096)
        h.update(name.encode())
        h.update(flat[::step].float().cpu().numpy().tobytes())
    return h


def _end_positions(tokens: torch.Tensor, pool_type: str, eos_id: int | None) -> torch.Tensor:
    """(N,) position of the token each text is pooled at: the largest id (CLIP's end token) or ``eos_id``."""
    if pool_type == "eos" and eos_id is not None:
        return (tokens == eos_id).int().argmax(dim=-1)
    if pool_type == "last":
        return torch.full(tokens.shape[:1], tokens.shape[1] - 1, dtype=torch.long, device=tokens.device)
    return tokens.argmax(dim=-1)


def check_model_name(model_name: str) -> str:
    """``model_name`` if open_clip knows it, else a ValueError with close matches."""
    name = model_name.replace("/", "-")
    if name.startswith(("hf-hub:", "local-dir:")) or name in open_clip.list_models():
        return name
    close = difflib.get_close_matches(name, open_clip.list_models(), n=5, cutoff=0.5)
    raise ValueError(
        f"Unknown open_clip architecture '{model_name}'. Close matches: {close}. "
        "See open_clip.list_models() (clipx adds its tiny ones, e.g. 'clipx-ViT-tiny-8-64')."
    )


def build_open_clip(
    model_name: str,
    pretrained: str | None = None,
    checkpoint: str | os.PathLike | None = None,
    cache_dir: str | None = None,
) -> tuple[nn.Module, dict]:
    """An open_clip model from published weights (tag), a local file, or random init.

    Returns:
        ``(model, preprocess_cfg)``; the config is the tag's, or the one a clipx
        checkpoint recorded, or the architecture's default.
    """
    model_name = check_model_name(model_name)
    if pretrained is not None:
        tags = open_clip.list_pretrained_tags_by_model(model_name)
        if pretrained not in tags:
            hint = " It looks like a path: pass it as checkpoint=." if os.path.exists(pretrained) else ""
            raise ValueError(
                f"'{pretrained}' is not a published open_clip tag for {model_name} (known: {tags}).{hint}"
            )
        try:
            model = open_clip.create_model(model_name, pretrained=pretrained, cache_dir=cache_dir)
        except Exception as err:
            raise RuntimeError(
                f"open_clip could not fetch pretrained='{pretrained}' for {model_name}: {err}. Offline, "
                "download the weights elsewhere and pass the file as checkpoint=."
            ) from err
        return model, dict(open_clip.get_model_preprocess_cfg(model))

    with _quiet_random_init_warning(checkpoint is not None):
        model = open_clip.create_model(model_name)
    preprocess_cfg = dict(open_clip.get_model_preprocess_cfg(model))
    if checkpoint is not None:
        state, meta = extract_clip_state_dict(load_checkpoint_file(checkpoint), checkpoint)
        recorded = meta.get("model_name")
        if recorded is not None and recorded != model_name:
            raise ValueError(
                f"Checkpoint '{checkpoint}' was written for architecture '{recorded}', not "
                f"'{model_name}'. Build FrozenCLIP(model_name='{recorded}', checkpoint=...)."
            )
        _load_state(model, state, checkpoint, model_name)
        preprocess_cfg = merge_preprocess_dict(preprocess_cfg, meta.get("preprocess_cfg", {}))
    return model, preprocess_cfg


class _RandomInitFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "initialized randomly" not in record.getMessage()


@contextmanager
def _quiet_random_init_warning(active: bool):
    """Drops open_clip's "Model initialized randomly" warning when a checkpoint loads next."""
    if not active:
        yield
        return
    root, flt = logging.getLogger(), _RandomInitFilter()
    root.addFilter(flt)
    try:
        yield
    finally:
        root.removeFilter(flt)


def _load_state(model: nn.Module, state: dict, path: str, model_name: str) -> None:
    state = dict(state)
    if "positional_embedding" in state and not hasattr(model, "positional_embedding"):
        state = open_clip.model.convert_to_custom_text_state_dict(state)
    if "logit_scale" in state and model.logit_scale.ndim != state["logit_scale"].ndim:
        state["logit_scale"] = state["logit_scale"].reshape(model.logit_scale.shape)
    resize_pos_embed(state, model)
    resize_text_pos_embed(state, model)
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [
        f"{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and tuple(state[k].shape) != tuple(v.shape)
    ]
    if missing or unexpected or mismatched:
        parts = []
        if mismatched:
            parts.append(f"{len(mismatched)} shape mismatch(es), e.g. {mismatched[:3]}")
        if missing:
            parts.append(f"{len(missing)} missing key(s), e.g. {missing[:3]}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected key(s), e.g. {unexpected[:3]}")
        raise ValueError(
            f"Checkpoint '{path}' does not fit architecture '{model_name}': {'; '.join(parts)}. "
            "Check model_name against the architecture the weights were trained with."
        )
    model.load_state_dict(state, strict=True)
    logger.info("Loaded %s weights from %s", model_name, Path(path).name)
