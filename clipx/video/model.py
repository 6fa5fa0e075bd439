"""CLIP4Clip (Luo et al., 2021) on clipx's shared backbone."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from mmengine.model import BaseModel
from torch import nn

from clipx.backbone import FrozenCLIP, build_clip
from clipx.data.batch import stack_images
from clipx.pretrain.loss import ContrastiveLoss
from clipx.registry import MODELS

from .aggregators import build_aggregator
from .data import frame_masks


@MODELS.register_module()
class CLIP4Clip(BaseModel):
    """Text-video retrieval: CLIP frame embeddings, a temporal aggregator, CLIP's loss.

    A video is encoded frame by frame with ``FrozenCLIP.encode_image`` (only the
    real frames are encoded), the (B, T, D) frame embeddings go through the
    ``aggregator`` (:mod:`clipx.video.aggregators`) to one L2-normalised (B, D)
    embedding, and captions through ``FrozenCLIP.encode_text``. Training
    minimises the symmetric cross-entropy over the batch's video-caption
    similarities (:class:`~clipx.pretrain.loss.ContrastiveLoss`, gathered
    across ranks), scaled by CLIP's temperature. The backbone stays frozen
    unless its config unfreezes parts (``unfreeze=dict(...)``).

    While the text tower is frozen, caption embeddings are cached in memory
    by caption string (keyed also by ``text_fingerprint()``, so new weights
    start a new cache): a training run sees each caption thousands of times
    but the text tower encodes it once. The cache holds at most
    ``max_cached_captions`` captions; past that, new captions are encoded on
    every call. Nothing is cached while any text parameter trains.

    Batches (``pseudo_collate``) hold ``inputs``: B clips (T, 3, H, W) and
    ``data_samples`` with ``frame_mask`` (T,) bool and, for training, ``text``
    (one caption), for evaluation ``captions`` (K >= 0) and ``video_id``
    (:class:`~clipx.video.VideoTextPairs`, :class:`~clipx.video.VideoTextDataset`).

    ``predict`` returns per video ``{'video_id', 'video_embeds': (D,),
    'text_embeds': (K, D), 'captions', 'video_path', 'read_error',
    'skipped_ids'}``, what :class:`~clipx.evaluation.video_retrieval.VideoTextRetrieval`
    consumes.

    Args:
        clip: a :class:`FrozenCLIP` or its config.
        aggregator: an aggregator or its config; default ``dict(type='MeanPooling')``.
        learnable_logit_scale: train a copy of CLIP's temperature (clamped at
            ``max_logit_scale``) instead of using the backbone's.
        max_logit_scale: the clamp on a learned temperature (CLIP: 100).
        gather: gather embeddings across ranks for the loss (global batch).
        max_cached_captions: bound on the frozen-caption cache (0 turns it
            off); 100k captions of a 512-d tower hold about 200 MB.
        data_preprocessor: mmengine data preprocessor config (moves to the device).
    """

    def __init__(
        self,
        *,
        clip: FrozenCLIP | dict,
        aggregator: nn.Module | dict | None = None,
        learnable_logit_scale: bool = False,
        max_logit_scale: float = 100.0,
        gather: bool = True,
        max_cached_captions: int = 100_000,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.clip = build_clip(clip)
        self.aggregator = build_aggregator(aggregator, self.clip)
        self.max_log_scale = math.log(max_logit_scale)
        if learnable_logit_scale:
            self.log_logit_scale = nn.Parameter(self.clip.log_logit_scale)
        else:
            self.log_logit_scale = None
        self.loss_fn = ContrastiveLoss(gather=gather)
        if not isinstance(max_cached_captions, int) or max_cached_captions < 0:
            raise ValueError(
                f"max_cached_captions={max_cached_captions!r}; use a non-negative integer (0 turns the cache off)."
            )
        self.max_cached_captions = max_cached_captions
        self._caption_cache: dict[str, torch.Tensor] = {}
        self._caption_cache_key: str | None = None

    @property
    def logit_scale(self) -> torch.Tensor:
        """The temperature 1/tau (scalar): the learned copy, else the backbone's."""
        if self.log_logit_scale is None:
            return self.clip.logit_scale
        return self.log_logit_scale.clamp(max=self.max_log_scale).exp()

    def encode_video(self, clips: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        """Video embeddings.

        Args:
            clips: (B, T, 3, H, W) preprocessed frames.
            frame_mask: (B, T) bool, True for real frames (the others are not encoded).

        Returns:
            (B, D) float32, L2-normalised (zeros for a video without frames).
        """
        if clips.ndim != 5 or frame_mask.shape != clips.shape[:2]:
            raise ValueError(
                f"clips must be (B, T, 3, H, W) with frame_mask (B, T); got {tuple(clips.shape)} and "
                f"{tuple(frame_mask.shape)}."
            )
        frame_mask = frame_mask.to(clips.device)
        frames = torch.zeros(*clips.shape[:2], self.clip.embed_dim, device=clips.device)
        if frame_mask.any():
            frames = frames.masked_scatter(
                frame_mask[..., None], self.clip.encode_image(clips[frame_mask])
            )
        return self.aggregator(frames, frame_mask)

    def aggregate_frames(self, frame_embeds: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        """Video embeddings from frame embeddings computed earlier by the same frozen image tower.

        Args:
            frame_embeds: (B, T, D) ``FrozenCLIP.encode_image`` outputs (zeros
                at padded frames), e.g. from :class:`clipx.video.VideoFeaturePairs`.
            frame_mask: (B, T) bool.

        Returns:
            (B, D) float32, L2-normalised.
        """
        if frame_embeds.shape[-1] != self.clip.embed_dim:
            raise ValueError(
                f"Frame embeddings have dimension {frame_embeds.shape[-1]} but {self.clip.model_name} "
                f"embeds in {self.clip.embed_dim}; they were computed by another backbone."
            )
        trainable = self.clip.trainable_parameter_names("image")
        if trainable:
            raise ValueError(
                f"Cached frame embeddings bypass the image tower, but the config trains {len(trainable)} of "
                f"its parameters (e.g. {trainable[0]}); train on decoded clips (VideoTextPairs) "
                "or keep the image tower frozen."
            )
        frame_mask = frame_mask.to(frame_embeds.device)
        return self.aggregator(frame_embeds.float(), frame_mask)

    def encode_text(self, texts: Sequence[str]) -> torch.Tensor:
        """(N, D) float32 L2-normalised caption embeddings (from the cache where the text tower is frozen)."""
        texts = list(texts)
        if not texts or self.max_cached_captions == 0 or not self.clip.is_frozen("text"):
            return self.clip.encode_text(texts)
        key = self.clip.text_fingerprint()
        if key != self._caption_cache_key:
            self._caption_cache, self._caption_cache_key = {}, key
        cache = self._caption_cache
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        fresh = dict(zip(missing, self.clip.encode_text(missing), strict=True)) if missing else {}
        for text, embed in fresh.items():
            if len(cache) >= self.max_cached_captions:
                break
            cache[text] = embed
        return torch.stack([cache[t] if t in cache else fresh[t] for t in texts])

    def forward(self, inputs, data_samples=None, mode: str = "tensor"):
        samples = list(data_samples or [])
        clips = stack_images(
            inputs, what="Clips", hint="give the dataset one num_frames and the backbone's eval transform"
        )
        mask = frame_masks(samples) if samples else torch.ones(clips.shape[:2], dtype=torch.bool)
        if clips.ndim == 3:  # (B, T, D) cached frame embeddings (clipx.VideoFeaturePairs)
            video_embeds = self.aggregate_frames(clips, mask)
        else:
            video_embeds = self.encode_video(clips, mask)
        if mode == "tensor":
            return video_embeds
        if mode == "loss":
            return self.loss(video_embeds, samples)
        if mode == "predict":
            return self.predict(video_embeds, samples)
        raise ValueError(f"mode='{mode}' is not one of 'loss', 'predict', 'tensor'.")

    def loss(self, video_embeds: torch.Tensor, samples: list) -> dict[str, torch.Tensor]:
        texts = [getattr(s, "text", None) for s in samples]
        if any(not isinstance(t, str) for t in texts):
            raise KeyError(
                "Training needs one caption per clip in data_samples[i].text; use clipx.VideoTextPairs."
            )
        scale = self.logit_scale
        loss = self.loss_fn(video_embeds, self.encode_text(texts), scale)
        return {"loss": loss, "logit_scale": scale.detach()}

    def predict(self, video_embeds: torch.Tensor, samples: list) -> list[dict]:
        if len(samples) != len(video_embeds):
            raise ValueError(f"Got {len(video_embeds)} clips but {len(samples)} data samples.")
        captions = [list(getattr(s, "captions", None) or []) for s in samples]
        flat = [c for caps in captions for c in caps]
        dim = video_embeds.shape[1]
        text_embeds = self.encode_text(flat) if flat else video_embeds.new_zeros(0, dim)
        outputs = []
        for s, video, texts, caps in zip(
            samples,
            video_embeds,
            text_embeds.split([len(c) for c in captions]),
            captions,
            strict=True,
        ):
            outputs.append(
                {
                    "video_id": s.video_id,
                    "video_embeds": video,
                    "text_embeds": texts,
                    "captions": caps,
                    "video_path": s.metainfo.get("video_path"),
                    "read_error": getattr(s, "read_error", None),
                    "skipped_ids": list(getattr(s, "skipped_ids", None) or []),
                }
            )
        return outputs
