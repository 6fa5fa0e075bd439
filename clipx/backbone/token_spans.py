"""Character spans of CLIP's BPE tokens: which characters of a text each token covers.

Grounding heads (GLIP) mark the tokens of a phrase from the phrase's
character span in the caption; Hugging Face fast tokenizers answer that with
``char_to_token``. open_clip's :class:`~open_clip.tokenizer.SimpleTokenizer`
has no offsets, so they are recomputed here by running its own word pattern
and BPE over the text and counting characters, and checked against its ids.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenSpans:
    """One text's word tokens (no start or end token) and their character spans.

    Attributes:
        ids: the tokenizer's ids, exactly what ``tokenizer.encode(text)`` returns.
        spans: ``(start, end)`` per id: ``text[start:end]`` is the token's text
            (lower-cased), ``end`` exclusive.
    """

    ids: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]

    def __len__(self) -> int:
        return len(self.ids)


def _char_of_byte(word: str) -> list[int]:
    """For each UTF-8 byte of ``word``, the index of the character it belongs to."""
    return [i for i, ch in enumerate(word) for _ in ch.encode("utf-8")]


def simple_tokenizer_spans(tokenizer, text: str) -> TokenSpans:
    """Word tokens of ``text`` with their spans, for an open_clip ``SimpleTokenizer``.

    Raises:
        TypeError: the tokenizer is not BPE-based like open_clip's SimpleTokenizer.
        ValueError: the tokenizer's text cleaning changes ``text`` in a way that moves
            characters (html entities, mojibake, non-ASCII case changes): the spans
            would not be positions in ``text``; clean the text first.
    """
    for part in ("pat", "bpe", "encoder", "byte_encoder", "encode"):
        if not hasattr(tokenizer, part):
            raise TypeError(
                f"{type(tokenizer).__name__} has no '{part}': character spans are computed for "
                "open_clip's BPE SimpleTokenizer only."
            )
    lowered = text.lower()
    if len(lowered) != len(text):
        raise ValueError(f"lower-casing changes the length of {text!r}; its spans would move.")
    ids: list[int] = []
    spans: list[tuple[int, int]] = []
    for match in tokenizer.pat.finditer(lowered):
        word = match.group()
        owner = _char_of_byte(word)
        encoded = "".join(tokenizer.byte_encoder[b] for b in word.encode("utf-8"))
        pos = 0
        for piece in tokenizer.bpe(encoded).split(" "):
            size = len(piece.removesuffix("</w>"))  # one symbol per byte
            ids.append(tokenizer.encoder[piece])
            spans.append((match.start() + owner[pos], match.start() + owner[pos + size - 1] + 1))
            pos += size
    if ids != list(tokenizer.encode(text)):
        raise ValueError(
            f"the tokenizer's cleaning changes {text[:80]!r} (html entities, mojibake or spacing it "
            "rewrites), so token spans would not index it; pass the cleaned text."
        )
    return TokenSpans(ids=tuple(ids), spans=tuple(spans))


class ChunkTokenizer:
    """Token counts of texts as CLIP chunks, for data transforms that budget prompt length.

    mmdet's ``RandomSamplingNegPos`` adds category names to a prompt while
    ``len(tokenizer.tokenize(name + '. '))`` fits ``max_tokens``. This answers
    with the tokens a name costs if it is encoded as a chunk of its own (start
    token, words, end token), an upper bound on what it costs in a prompt laid
    out by :class:`clipx.det.CLIPLanguageModel`, so sampled prompts always fit.

    Args:
        model_name: the CLIP architecture whose tokenizer counts.
    """

    def __init__(self, model_name: str) -> None:
        import open_clip

        self.model_name = model_name
        self._tokenizer = open_clip.get_tokenizer(model_name)

    def tokenize(self, text: str) -> list[int]:
        """The ids of ``text`` as a chunk: start token, word tokens, end token."""
        encoder = self._tokenizer.encoder
        return [encoder["<start_of_text>"], *self._tokenizer.encode(text), encoder["<end_of_text>"]]
