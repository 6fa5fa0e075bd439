"""Nouns found in captions' token ids: whole words only, other spellings, multi-token nouns."""

from __future__ import annotations

import open_clip
import pytest
import torch

from projects.groupvit.groupvit import NounVocabulary, read_nouns

TOKENIZE = open_clip.get_tokenizer("RN50")


def test_nouns_are_found_as_whole_words_with_their_other_spellings():
    nouns = NounVocabulary(["star", ["person", "people"], "traffic light", "circle"]).compile(
        TOKENIZE
    )
    captions = [
        "a red star above a blue circle",
        "two people near a starfish",
        "a traffic light and a traffic cone",
        "a green square",
    ]
    found = nouns.find(TOKENIZE(captions))
    assert nouns.names == ["star", "person", "traffic light", "circle"]
    assert found.tolist() == [
        [True, False, False, True],
        [False, True, False, False],
        [False, False, True, False],
        [False, False, False, False],
    ]


def test_noun_file_and_bad_vocabularies(tmp_path):
    path = tmp_path / "nouns.txt"
    path.write_text("# shapes\ncircle\nperson, people\n\n")
    assert read_nouns(path) == [["circle"], ["person", "people"]]
    assert NounVocabulary(path).names == ["circle", "person"]
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(ValueError, match="lists no nouns"):
        NounVocabulary(tmp_path / "empty.txt")
    with pytest.raises(ValueError, match="repeat"):
        NounVocabulary(["circle", "circle"])
    with pytest.raises(ValueError, match="non-empty"):
        NounVocabulary([])
    with pytest.raises(RuntimeError, match="compile"):
        NounVocabulary(["circle"]).find(torch.zeros(1, 77, dtype=torch.long))
