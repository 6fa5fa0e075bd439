"""GLIP on the shared CLIP: detection as phrase grounding, CLIP's text tower as the language model.

:class:`CLIPGLIP` is mmdet's :class:`~mmdet.models.detectors.GLIP` with one
shared :class:`~clipx.backbone.FrozenCLIP` serving the language model (and,
with a :class:`~clipx.det.CLIPDetBackbone`, the image features). What it adds
to mmdet's GLIP:

- positive maps as wide as the language model's ``max_tokens`` (mmdet fixes 256);
- a phrase is aligned to its *last* token by default: CLIP's text tower is
  causal, so a token sees only the words before it, and only a phrase's last
  token has read the whole phrase (CLIP itself pools at the end-of-text token).
  Aligning "red" of "red circle" and "red" of "red square" to different boxes
  would ask two nearly equal features for different answers; BERT, which
  mmdet's GLIP uses, reads both ways and aligns every token. ``phrase_token="all"``
  restores GLIP's every-token maps;
- training from grounding captions: samples that carry ``tokens_positive``
  (ODVG data through :class:`~clipx.det.CLIPRandomSamplingNegPos`) align each
  box to the tokens of its phrase; category-list samples train as in GLIP;
- prediction for given phrases: a sample with ``tokens_positive`` (Flickr30k
  entities, or ``-1`` for a referring expression, the whole caption) gets
  one label per phrase, as mmdet's grounding models do. A caption without
  phrase spans would need GLIP's noun-phrase parser (nltk with downloaded
  data), which an offline run does not have: give the spans, or a list of names.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from mmdet.models.detectors import GLIP
from mmdet.models.detectors.glip import create_positive_map, create_positive_map_label_to_token
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmengine.config import ConfigDict
from torch import nn

from clipx.backbone import FrozenCLIP

from .detector import is_clip_backbone
from .language import CLIPLanguageModel
from .scope import mmdet_scope
from .vl_head import CLIPVLFusionHead


def phrase_spans(caption: str, phrases: Sequence[str]) -> list[list[list[int]]]:
    """``tokens_positive`` for phrases of a caption: each phrase's first occurrence, in order.

    Raises:
        ValueError: a phrase that is not in the caption.
    """
    spans, start = [], 0
    lowered = caption.lower()
    for phrase in phrases:
        at = lowered.find(phrase.lower(), start)
        if at < 0:
            at = lowered.find(phrase.lower())
        if at < 0:
            raise ValueError(f"phrase {phrase!r} is not in the caption {caption!r}.")
        spans.append([[at, at + len(phrase)]])
        start = at + len(phrase)
    return spans


def phrase_starts(tokens_positive) -> list[int]:
    """Where each phrase of ``tokens_positive`` (a list or dict of span lists; -1: none) starts."""
    if isinstance(tokens_positive, int):
        return []
    spans = tokens_positive.values() if isinstance(tokens_positive, dict) else tokens_positive
    return sorted({int(phrase[0][0]) for phrase in spans if len(phrase)})


def last_token_map(positive_map: torch.Tensor) -> torch.Tensor:
    """Each row of a (phrases, tokens) positive map moved to its last positive token, weight 1.

    A row without tokens (a phrase cut off by truncation) stays empty.
    """
    out = torch.zeros_like(positive_map)
    hit = positive_map > 0
    has = hit.any(dim=1)
    index = torch.arange(positive_map.shape[1], device=positive_map.device)
    last = torch.where(hit, index, -1).amax(dim=1)
    rows = torch.nonzero(has, as_tuple=True)[0]
    out[rows, last[rows]] = 1.0
    return out


def _is_clip_head(cfg: dict) -> bool:
    kind = cfg.get("type")
    with mmdet_scope():
        cls = kind if isinstance(kind, type) else MODELS.get(kind)
    return isinstance(cls, type) and issubclass(cls, CLIPVLFusionHead)


@MODELS.register_module()
class CLIPGLIP(GLIP):
    """mmdet's GLIP with the shared CLIP as language model (and optionally image backbone).

    Args:
        clip: the :class:`FrozenCLIP` (or its config).
        backbone: a :class:`CLIPDetBackbone` (the shared CLIP's dense maps) or a
            trainable mmdet backbone.
        neck, bbox_head, train_cfg, test_cfg, data_preprocessor, init_cfg: as mmdet's
            GLIP; ``bbox_head`` is a :class:`CLIPVLFusionHead` (or mmdet's own).
        language_model: options of :class:`CLIPLanguageModel` (``max_tokens``,
            ``feature``); the CLIP is the shared one. A :class:`CLIPVLFusionHead`
            gets its ``lang_dim`` from it (the CLIP's ``text_width`` or ``embed_dim``).
        phrase_token: ``"last"`` (a phrase's weight on its last token, for a causal
            text tower) or ``"all"`` (spread over all its tokens, as GLIP with BERT).
    """

    PHRASE_TOKENS = ("last", "all")

    def __init__(
        self,
        *,
        clip: FrozenCLIP | dict,
        backbone: dict,
        neck: dict,
        bbox_head: dict,
        language_model: dict | None = None,
        phrase_token: str = "last",
        train_cfg: dict | None = None,
        test_cfg: dict | None = None,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        if phrase_token not in self.PHRASE_TOKENS:
            raise ValueError(
                f"phrase_token={phrase_token!r}; use one of {self.PHRASE_TOKENS} ('last' for "
                "CLIP's causal text tower)."
            )
        with mmdet_scope():
            clip_module = clip if isinstance(clip, nn.Module) else MODELS.build(clip)
        backbone = dict(backbone)
        if is_clip_backbone(backbone) and "clip" not in backbone:
            backbone["clip"] = clip_module
        language = dict(type=CLIPLanguageModel, **copy.deepcopy(dict(language_model or {})))
        language.setdefault("clip", clip_module)
        bbox_head = dict(bbox_head)
        if _is_clip_head(bbox_head):
            feature = language.get("feature", "features")
            width = clip_module.text_width if feature == "features" else clip_module.embed_dim
            bbox_head.setdefault("lang_dim", width)
        with mmdet_scope():
            super().__init__(
                backbone=backbone,
                neck=ConfigDict(neck),
                bbox_head=ConfigDict(bbox_head),
                language_model=language,
                train_cfg=None if train_cfg is None else ConfigDict(train_cfg),
                test_cfg=None if test_cfg is None else ConfigDict(test_cfg),
                data_preprocessor=data_preprocessor,
                init_cfg=init_cfg,
            )
        self.clip = clip_module
        self.phrase_token = phrase_token
        width = getattr(self.bbox_head, "feat_channels", None)
        if width != self.language_model.max_tokens:
            raise ValueError(
                f"bbox_head feat_channels={width} but language_model max_tokens="
                f"{self.language_model.max_tokens}: GLIP's per-anchor token targets are "
                "feat_channels wide, so the two must be equal."
            )

    # ------------------------------------------------------------------ token maps
    def get_positive_map(self, tokenized, tokens_positive):
        positive_map = create_positive_map(
            tokenized, tokens_positive, max_num_entities=self.language_model.max_tokens
        )
        if self.phrase_token == "last":
            positive_map = last_token_map(positive_map)
        return create_positive_map_label_to_token(positive_map, plus=1), positive_map

    def _given_phrases(self, text: str, tokens_positive, cuts) -> tuple[dict, list[str]]:
        """Label -> token map and entity names for phrases given as character spans."""
        if isinstance(tokens_positive, int) and tokens_positive == -1:
            tokens_positive = [[[0, len(text)]]]  # a referring expression: the whole caption
        tokenized = self.language_model.tokenizer([text], cuts=[cuts])
        label_to_token, _ = self.get_positive_map(tokenized, tokens_positive)
        entities = [" ".join(text[s:e] for s, e in spans) for spans in tokens_positive]
        return label_to_token, entities

    # ------------------------------------------------------------------ training
    def loss(self, batch_inputs: torch.Tensor, batch_data_samples: SampleList) -> dict:
        if "tokens_positive" not in batch_data_samples[0]:
            return super().loss(batch_inputs, batch_data_samples)  # category lists, GLIP's way
        texts = [s.text for s in batch_data_samples]
        cuts = [phrase_starts(s.tokens_positive) for s in batch_data_samples]
        for sample, cut in zip(batch_data_samples, cuts, strict=True):
            tokenized = self.language_model.tokenizer([sample.text], cuts=[cut])
            spans = [sample.tokens_positive[int(label)] for label in sample.gt_instances.labels]
            _, positive_map = self.get_positive_map(tokenized, spans)
            sample.gt_instances.positive_maps = positive_map.to(batch_inputs.device).bool().float()
        language = self.language_model(texts, cuts)
        visual = self.extract_feat(batch_inputs)
        return self.bbox_head.loss(visual, language, batch_data_samples)

    # ------------------------------------------------------------------ inference
    def predict(
        self, batch_inputs: torch.Tensor, batch_data_samples: SampleList, rescale: bool = True
    ) -> SampleList:
        given = [s.get("tokens_positive", None) for s in batch_data_samples]
        if all(g is None for g in given):
            self._check_entities(batch_data_samples)
            return super().predict(batch_inputs, batch_data_samples, rescale=rescale)
        if any(g is None for g in given):
            raise ValueError(
                "a batch mixes samples with and without tokens_positive; keep them apart."
            )
        texts = [s.text for s in batch_data_samples]
        cuts = [phrase_starts(g) for g in given]
        maps = [self._given_phrases(*args) for args in zip(texts, given, cuts, strict=True)]
        language = self.language_model(texts, cuts)
        for sample, (label_to_token, _) in zip(batch_data_samples, maps, strict=True):
            sample.token_positive_map = label_to_token
        visual = self.extract_feat(batch_inputs)
        results = self.bbox_head.predict(visual, language, batch_data_samples, rescale=rescale)
        for sample, pred, (_, entities) in zip(batch_data_samples, results, maps, strict=True):
            pred.label_names = [entities[int(i)] for i in pred.labels]
            sample.pred_instances = pred
        return batch_data_samples

    @staticmethod
    def _check_entities(batch_data_samples: SampleList) -> None:
        for sample in batch_data_samples:
            if isinstance(sample.text, str) and not sample.get("custom_entities", False):
                raise ValueError(
                    f"the caption {sample.text[:80]!r} comes without phrase spans: mmdet's GLIP would "
                    "find its noun phrases with nltk, whose data an offline run lacks. Give a list "
                    "of names (custom_entities=True), or tokens_positive (the phrases' character "
                    "spans; clipx.det.phrase_spans makes them), or -1 for the whole caption."
                )
