"""Character spans of CLIP's tokens (the contract's ``token_spans``), checked against the tokenizer."""

from __future__ import annotations

import pytest

from clipx.backbone import ChunkTokenizer, TextTokensUnavailableError, simple_tokenizer_spans
from clipx.testing import TEST_RN, tiny_clip

TEXTS = [
    "a small red circle left of the star",
    "circle. square. triangle. star. hexagon. cross",
    "There's   an Hexagon,ok?!",
    "two 2 shapes: 12 stars",
    "naïve café",
]


@pytest.fixture(scope="module")
def clip():
    return tiny_clip(TEST_RN)


@pytest.mark.parametrize("text", TEXTS)
def test_spans_are_the_tokens_of_the_text(clip, text):
    (positions,) = clip.token_spans([text])
    ids = clip.tokenize([text])[0]
    assert positions[0] is None and positions[-1] is None  # start and end tokens
    assert len(positions) == int((ids != 0).sum())
    words = positions[1:-1]
    for position, (start, end) in enumerate(words, start=1):
        piece = text[start:end]
        if piece.isascii():  # a multi-byte character can be split between byte-level tokens
            assert clip.tokenizer.decode([int(ids[position])]).strip() == piece.lower()
    # spans are ordered, disjoint and skip only spaces
    for (_, end), (start, _) in zip(words, words[1:], strict=False):
        assert end <= start and not text[end:start].strip()
    assert words[0][0] == len(text) - len(text.lstrip()) and words[-1][1] == len(text.rstrip())


def test_subword_spans_split_the_word(clip):
    (positions,) = clip.token_spans(["hexagon"])
    words = positions[1:-1]
    assert len(words) >= 2, "hexagon is more than one BPE token in CLIP's vocabulary"
    assert words[0][0] == 0 and words[-1][1] == len("hexagon")
    assert all(a[1] == b[0] for a, b in zip(words, words[1:], strict=False))


def test_long_texts_are_not_truncated(clip):
    text = " ".join(["circle"] * (clip.context_length + 5))
    (positions,) = clip.token_spans([text])
    assert len(positions) == clip.context_length + 5 + 2


def test_text_the_cleaning_rewrites_is_refused(clip):
    with pytest.raises(ValueError, match="cleaning"):
        clip.token_spans(["a &amp; b"])
    with pytest.raises(TypeError, match="list of strings"):
        clip.token_spans("a red circle")


def test_a_tokenizer_without_bpe_is_named():
    class HFLike:
        def __call__(self, texts):
            return texts

    with pytest.raises(TypeError, match="SimpleTokenizer"):
        simple_tokenizer_spans(HFLike(), "a red circle")
    assert issubclass(TextTokensUnavailableError, NotImplementedError)


def test_chunk_tokenizer_counts_start_words_and_end(clip):
    counter = ChunkTokenizer(TEST_RN)
    for text in TEXTS[:3]:
        assert len(counter.tokenize(text)) == len(clip.token_spans([text])[0])
