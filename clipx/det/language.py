"""CLIP's text tower as GLIP's language model: per-token features and character-to-token maps.

mmdet's :class:`~mmdet.models.detectors.GLIP` asks two things of its language
model: ``language_model(texts)`` -> a dict of per-token features (``embedded``,
``hidden``) and their ``masks``, and ``language_model.tokenizer([text])`` -> an
object whose ``char_to_token(i)`` names the token covering character ``i``.
Both come here from the shared backbone's contract
(:meth:`~clipx.backbone.FrozenCLIP.encode_text_tokens` and
:meth:`~clipx.backbone.FrozenCLIP.token_spans`), not from BERT.

CLIP reads at most ``context_length`` tokens (32 for the tiny shapes-world
CLIP, 77 for OpenAI's), fewer than a category-list prompt holds (COCO's 80
names are about 250 tokens). A prompt is therefore cut, between its
``". "``-separated entities, into chunks that each fit CLIP's context; each
chunk is encoded on its own (start token, words, end token) and the chunks'
tokens are laid end to end into ``max_tokens`` positions, the width GLIP's
positive maps and the head's ``feat_channels`` share. A caption with no
separator is one chunk when it fits the context; a longer one is cut
between words (with a warning: the later piece does not see the earlier).
"""

from __future__ import annotations

import re
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

from clipx.backbone import FrozenCLIP

FEATURES = ("features", "embeds")


@dataclass(frozen=True)
class PromptLayout:
    """Where one prompt's tokens sit among the ``max_tokens`` positions.

    Attributes:
        chunks: ``(start, end)`` character ranges of the prompt, each encoded by CLIP alone.
        lengths: real tokens of each chunk (start and end token included).
        char_to_token: character index -> position, for characters inside a word token.
        token_ids: the chunks' token ids (start, words, end per chunk), end to end.
    """

    chunks: tuple[tuple[int, int], ...]
    lengths: tuple[int, ...]
    char_to_token: dict[int, int]
    token_ids: tuple[int, ...]

    @property
    def num_tokens(self) -> int:
        return sum(self.lengths)


class GroundingTokens:
    """The part of a Hugging Face ``BatchEncoding`` that GLIP's positive maps read.

    Attributes:
        attention_mask: (N, max_tokens) long, 1 at real tokens.
        input_ids: (N, T) long, the chunks' token ids laid end to end, T the
            longest prompt's token count (GLIP warns when T exceeds ``max_tokens``).
    """

    def __init__(self, layouts: Sequence[PromptLayout], max_tokens: int) -> None:
        self.layouts = list(layouts)
        self.attention_mask = torch.zeros(len(layouts), max_tokens, dtype=torch.long)
        longest = max((lay.num_tokens for lay in self.layouts), default=0)
        self.input_ids = torch.zeros(len(layouts), longest, dtype=torch.long)
        for i, layout in enumerate(self.layouts):
            self.attention_mask[i, : layout.num_tokens] = 1
            self.input_ids[i, : layout.num_tokens] = torch.tensor(
                layout.token_ids, dtype=torch.long
            )

    def char_to_token(self, batch_or_char_index: int, char_index: int | None = None) -> int | None:
        """The position of the token covering a character, or None (spaces, out of range).

        Called as ``char_to_token(char)`` for the first prompt or
        ``char_to_token(batch, char)``, as in Hugging Face.
        """
        if char_index is None:
            batch, char = 0, batch_or_char_index
        else:
            batch, char = batch_or_char_index, char_index
        return self.layouts[batch].char_to_token.get(int(char))


class PromptTokenizer:
    """Lays prompts out in CLIP-sized chunks; what ``CLIPLanguageModel.tokenizer`` is.

    Args:
        clip: the backbone whose tokenizer and context length are used.
        max_tokens: positions per prompt (GLIP's positive-map width).
        separator: what separates the entities of a category-list prompt.
    """

    def __init__(
        self,
        clip: FrozenCLIP,
        *,
        max_tokens: int,
        separator: str = ". ",
        separate_phrases: bool = False,
    ) -> None:
        self.clip = clip
        self.max_tokens = int(max_tokens)
        self.separator = separator
        self.separate_phrases = bool(separate_phrases)
        self._cache: OrderedDict[tuple[str, tuple[int, ...]], PromptLayout] = OrderedDict()
        self._warned = False

    def __call__(
        self,
        texts: Sequence[str],
        return_tensors: str | None = "pt",
        *,
        cuts: Sequence[Sequence[int]] | None = None,
        **_,
    ) -> GroundingTokens:
        if isinstance(texts, str):
            texts = [texts]
        cuts = cuts or [()] * len(texts)
        return GroundingTokens(
            [self.layout(t, c) for t, c in zip(texts, cuts, strict=True)], self.max_tokens
        )

    def layout(self, text: str, cuts: Sequence[int] = ()) -> PromptLayout:
        """The chunks of ``text`` and its character-to-position map (cached per text).

        ``cuts``: character positions where a new chunk must start (the starts
        of given phrases, with ``separate_phrases``; ignored without it).
        """
        cuts = tuple(sorted({int(c) for c in cuts if 0 < int(c) < len(text)}))
        if not self.separate_phrases:
            cuts = ()
        key = (text, cuts)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        layout = self._layout(text, cuts)
        self._cache[key] = layout
        if len(self._cache) > 4096:
            self._cache.popitem(last=False)
        return layout

    def _entities(self, text: str) -> list[tuple[int, int]]:
        """Character ranges of the separator-delimited pieces (a caption: one piece)."""
        pieces, start = [], 0
        while True:
            cut = text.find(self.separator, start)
            end = len(text) if cut < 0 else cut + len(self.separator.rstrip())
            if text[start:end].strip():
                pieces.append((start, end))
            if cut < 0:
                return pieces
            start = cut + len(self.separator)

    def _count(self, text: str) -> int:
        return len(self.clip.token_spans([text])[0])

    def _fitting(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """``text[start:end]`` as one range if CLIP reads it at once, else cut between words."""
        context = self.clip.context_length
        if self._count(text[start:end]) <= context:
            return [(start, end)]
        if not self._warned:
            warnings.warn(
                f"{text[start:end][:60]!r}... has more tokens than the {context} that "
                f"{self.clip.model_name} reads at once; it is encoded in pieces cut between words "
                "(later pieces do not see the earlier ones).",
                stacklevel=4,
            )
            self._warned = True
        words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
        ranges: list[tuple[int, int]] = []
        for w_start, w_end in words:
            if ranges and self._count(text[ranges[-1][0] : w_end]) <= context:
                ranges[-1] = (ranges[-1][0], w_end)
            elif self._count(text[w_start:w_end]) <= context:
                ranges.append((w_start, w_end))
            else:
                raise ValueError(
                    f"the word {text[w_start:w_end][:40]!r} alone has more than {context} tokens."
                )
        return ranges

    def _layout(self, text: str, cuts: tuple[int, ...] = ()) -> PromptLayout:
        context = self.clip.context_length
        chunks: list[tuple[int, int]] = []
        bounds = [0, *cuts, len(text)]
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            # a cut (or, with separate_phrases, every entity) starts a chunk of its own
            fresh = True
            for e_start, e_end in self._entities(text[lo:hi]) or [(0, hi - lo)]:
                for start, end in self._fitting(text, lo + e_start, lo + e_end):
                    mergeable = not fresh and not self.separate_phrases
                    if mergeable and self._count(text[chunks[-1][0] : end]) <= context:
                        chunks[-1] = (chunks[-1][0], end)
                    else:
                        chunks.append((start, end))
                    fresh = False
        lengths, char_to_token, offset = [], {}, 0
        pieces = [text[s:e] for s, e in chunks]
        ids = self.clip.tokenize(pieces)
        token_ids: list[int] = []
        for (start, _end), spans, row in zip(
            chunks, self.clip.token_spans(pieces), ids, strict=True
        ):
            token_ids += row[: len(spans)].tolist()
            for position, span in enumerate(spans):
                if span is not None:
                    for char in range(start + span[0], start + span[1]):
                        char_to_token[char] = offset + position
            lengths.append(len(spans))
            offset += len(spans)
        if offset > self.max_tokens:
            raise ValueError(
                f"the prompt {text[:80]!r}... needs {offset} tokens, more than max_tokens="
                f"{self.max_tokens}; raise max_tokens (and the head's feat_channels with it) or "
                "use a shorter vocabulary."
            )
        return PromptLayout(tuple(chunks), tuple(lengths), char_to_token, tuple(token_ids))


@MODELS.register_module()
class CLIPLanguageModel(BaseModule):
    """GLIP's language model from the shared CLIP text tower (frozen).

    Args:
        clip: the :class:`FrozenCLIP` (or its config); inside :class:`clipx.det.CLIPGLIP`
            the detector passes its own, so image and text towers are one module.
        max_tokens: token positions per prompt; must equal the GLIP head's
            ``feat_channels`` (mmdet's GLIP ties the two at 256).
        feature: ``'features'`` (each token after the text tower's final layer
            norm, width ``clip.text_width``) or ``'embeds'`` (the same projected
            into the joint space, width ``clip.embed_dim``).
        separator: between the entities of a category-list prompt (GLIP's ``'. '``).
        separate_phrases: encode each entity of a category list, and each given
            phrase of a caption (``cuts``), in a context of its own: CLIP's text
            tower is causal, so in one context a phrase's tokens have also read
            the phrases before it ("circle" of "... a red circle and a blue
            circle" has read "red"). Costs a start and an end token per phrase.
    """

    def __init__(
        self,
        *,
        clip: FrozenCLIP | dict,
        max_tokens: int = 256,
        feature: str = "features",
        separator: str = ". ",
        separate_phrases: bool = False,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if feature not in FEATURES:
            raise ValueError(f"feature={feature!r}; use one of {FEATURES}.")
        if max_tokens < 3:
            raise ValueError(f"max_tokens={max_tokens}; a prompt needs at least 3 positions.")
        if isinstance(clip, nn.Module):
            # a shared backbone stays out of this module's children: its owner (the detector)
            # holds its weights once
            self.__dict__["clip"] = clip
        else:
            self.clip = MODELS.build(clip)
        clip_module = self.clip
        self.max_tokens = int(max_tokens)
        self.feature = feature
        self.tokenizer = PromptTokenizer(
            clip_module,
            max_tokens=max_tokens,
            separator=separator,
            separate_phrases=separate_phrases,
        )
        self._chunk_cache: OrderedDict[tuple[str, str], torch.Tensor] = OrderedDict()

    @property
    def width(self) -> int:
        """Channels of each token's feature (the head's ``lang_dim``)."""
        return self.clip.text_width if self.feature == "features" else self.clip.embed_dim

    def _encode_chunks(self, chunks: list[str]) -> list[torch.Tensor]:
        """Per-chunk (L_i, width) token features; cached while the text tower is frozen."""
        frozen = self.clip.is_frozen("text")
        key = self.clip.text_fingerprint() if frozen else ""
        todo = [c for c in dict.fromkeys(chunks) if not frozen or (key, c) not in self._chunk_cache]
        fresh: dict[str, torch.Tensor] = {}
        if todo:
            tokens = self.clip.encode_text_tokens(todo)
            values = tokens.features if self.feature == "features" else tokens.embeds
            for i, chunk in enumerate(todo):
                fresh[chunk] = values[i, : int(tokens.eot[i]) + 1]
                if frozen:
                    self._chunk_cache[(key, chunk)] = fresh[chunk].detach()
                    if len(self._chunk_cache) > 8192:
                        self._chunk_cache.popitem(last=False)
        return [fresh[c] if c in fresh else self._chunk_cache[(key, c)] for c in chunks]

    def forward(
        self, texts: Sequence[str], cuts: Sequence[Sequence[int]] | None = None
    ) -> dict[str, torch.Tensor]:
        """N prompts -> ``embedded`` and ``hidden`` (N, max_tokens, width), ``masks`` (N, max_tokens).

        ``cuts``: per prompt, character positions where a chunk must start (the
        starts of its phrases; used with ``separate_phrases``).
        """
        if isinstance(texts, str):
            texts = [texts]
        cuts = cuts or [()] * len(texts)
        layouts = [self.tokenizer.layout(t, c) for t, c in zip(texts, cuts, strict=True)]
        chunk_texts = [t[s:e] for t, lay in zip(texts, layouts, strict=True) for s, e in lay.chunks]
        encoded = iter(self._encode_chunks(chunk_texts))
        out = torch.zeros(len(texts), self.max_tokens, self.width, device=self.clip.device)
        for i, layout in enumerate(layouts):
            offset = 0
            for length in layout.lengths:
                feats = next(encoded)
                if feats.shape[0] != length:
                    raise RuntimeError(
                        f"chunk of {feats.shape[0]} tokens where {length} were laid out."
                    )
                out[i, offset : offset + length] = feats
                offset += length
        masks = GroundingTokens(layouts, self.max_tokens).attention_mask.to(out.device)
        return {"embedded": out, "hidden": out, "masks": masks}
