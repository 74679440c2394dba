"""Reading an answer: the built-in words, tolerance, conflicts, words from the config."""

from __future__ import annotations

import pytest

from smsremind.config import Replies
from smsremind.replies.words import Vocabulary, fold

CASES = [
    ("TAK", "confirm"),
    ("tak", "confirm"),
    ("Tak, dziękuję!", "confirm"),
    ("  T ", "confirm"),
    ("Potwierdzam.", "confirm"),
    ("będę", "confirm"),
    ("BEDE", "confirm"),
    ("NIE", "cancel"),
    ("nie będę", "cancel"),
    ("Niestety nie będę :(", "cancel"),
    ("odwołuję", "cancel"),
    ("ODWOLUJE", "cancel"),
    ("rezygnuję z wizyty", "cancel"),
    ("ANO", "confirm"),
    ("přijdu", "confirm"),
    ("prijdu, dekuji", "confirm"),
    ("NE", "cancel"),
    ("nepřijdu", "cancel"),
    ("Ruším", "cancel"),
    ("yes", "confirm"),
    ("Y", "confirm"),
    ("C", "confirm"),
    ("no", "cancel"),
    ("N", "cancel"),
    ("STOP", "stop"),
    ("stop sms", "stop"),
    ("Proszę nie wysyłać więcej, STOP", "stop"),
    ("nie wysyłaj", "stop"),
    ("Tak, ale nie mogę o tej godzinie", "unrecognised"),
    ("Czy mogę przyjść o 11?", "unrecognised"),
    ("ok nie", "unrecognised"),
    ("a", "confirm"),
    ("Jsem nemocná a nepřijdu", "cancel"),  # "a" (and) inside a sentence is not ANO
    ("no dobrze", "unrecognised"),  # Polish "no" (well) is not an English NO in a sentence
    ("", "unrecognised"),
    ("???", "unrecognised"),
]


@pytest.mark.parametrize(("text", "meaning"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_built_in_words(text: str, meaning: str) -> None:
    assert Vocabulary.build().meaning(text) == meaning


def test_fold_removes_case_diacritics_and_punctuation() -> None:
    assert fold("Będę, dziękuję! Łódź—Přijdu") == ["BEDE", "DZIEKUJE", "LODZ", "PRIJDU"]


def test_config_words_extend_the_built_in_ones() -> None:
    vocab = Vocabulary.build(Replies(confirm=("jasne",), cancel=("nie dam rady",), stop=("wypisz mnie",)))
    assert [vocab.meaning(t) for t in ("Jasne!", "Nie dam rady", "WYPISZ MNIE", "TAK")] == [
        "confirm",
        "cancel",
        "stop",
        "confirm",
    ]
    assert Vocabulary.build().meaning("jasne") == "unrecognised"
