"""The nouns of GroupViT's multi-label loss, found in captions' token ids."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import torch


def read_nouns(path: str | os.PathLike) -> list[list[str]]:
    """Nouns from a text file: one per line, its other spellings after commas
    (``person, people, persons``); blank lines and ``#`` comments are skipped."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.append([word.strip() for word in line.split(",") if word.strip()])
    if not entries:
        raise ValueError(f"Noun file '{path}' lists no nouns.")
    return entries


class NounVocabulary:
    """Which of a list of nouns each caption mentions, read from its token ids.

    GroupViT prompts the nouns of each caption ("a photo of a {noun}") for its multi-label
    loss. Here a noun is found by its token sequence in the caption's tokens, so any dataset
    that yields token ids works unchanged, and a noun is never found inside a longer word
    (CLIP's BPE marks word ends).

    Args:
        nouns: the nouns; an entry is a word or a list whose first word is the one prompted
            and whose others also count (plurals: ``['person', 'people']``); or a path to a
            file read by :func:`read_nouns`.
    """

    def __init__(self, nouns: Sequence[str | Sequence[str]] | str | os.PathLike) -> None:
        if isinstance(nouns, (str, os.PathLike)):
            entries = read_nouns(nouns)
        else:
            entries = [[n] if isinstance(n, str) else list(n) for n in nouns]
        if not entries or any(
            not e or not all(isinstance(w, str) and w.strip() for w in e) for e in entries
        ):
            raise ValueError(f"nouns={nouns!r}: give a non-empty list of words (or of word lists).")
        self.names = [e[0] for e in entries]
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"nouns {self.names} repeat a word.")
        self.entries = entries
        self._sequences: list[list[torch.Tensor]] | None = None

    def __len__(self) -> int:
        return len(self.names)

    def compile(self, tokenize: Callable[[Sequence[str]], torch.Tensor]) -> NounVocabulary:
        """Token sequences of every spelling, from the text tower's tokenizer."""
        empty = tokenize([""])[0]
        specials = set(int(t) for t in empty[empty != 0])
        sequences = []
        for entry in self.entries:
            rows = tokenize(entry)
            seqs = []
            for word, row in zip(entry, rows, strict=True):
                ids = [int(t) for t in row if int(t) != 0 and int(t) not in specials]
                if not ids:
                    raise ValueError(f"Noun '{word}' tokenizes to nothing.")
                seqs.append(torch.tensor(ids))
            sequences.append(seqs)
        self._sequences = sequences
        return self

    def find(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, V) bool: caption b (token ids (B, L)) mentions noun v."""
        if self._sequences is None:
            raise RuntimeError("NounVocabulary.find needs compile(tokenize) first.")
        found = torch.zeros(
            tokens.shape[0], len(self.names), dtype=torch.bool, device=tokens.device
        )
        for v, seqs in enumerate(self._sequences):
            for seq in seqs:
                k = len(seq)
                if k > tokens.shape[1]:
                    continue
                windows = tokens.unfold(1, k, 1)  # (B, L - k + 1, k)
                found[:, v] |= (windows == seq.to(tokens.device)).all(-1).any(-1)
        return found
