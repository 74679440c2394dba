"""What a patient's answer means: confirm, cancel, stop or unrecognised.

The words are data (:data:`BUILT_IN`, extended by ``[replies] confirm /
cancel / stop``).  Text and words are compared after folding: upper case,
no diacritics (``BĘDĘ`` = ``bede``), punctuation as spaces.  The answer is
read as words, longest phrase first at each position ("NIE BĘDĘ" is one
cancel, not a cancel and a confirm), and other words are ignored, so "Tak,
dziękuję!" confirms.  Conflicting words ("tak, ale nie mogę") make it
``unrecognised``: a person reads it, nobody guesses.  A stop word anywhere
wins: an opt-out is honoured even inside a longer sentence.

One-letter words (T, N, A, Y, C) and the English NO count only when they
are the whole answer: in a sentence they are ordinary words ("a" is Czech
for "and", "no" is a Polish "well").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from smsremind.config import Replies

CONFIRM, CANCEL, STOP, UNRECOGNISED = "confirm", "cancel", "stop", "unrecognised"
MEANINGS = (CONFIRM, CANCEL, STOP, UNRECOGNISED)

BUILT_IN: dict[str, tuple[str, ...]] = {
    CONFIRM: (
        *("TAK", "T", "OK", "POTWIERDZAM", "BĘDĘ", "PRZYJDĘ"),  # pl
        *("ANO", "A", "POTVRZUJI", "PŘIJDU", "POTVRZUJU"),  # cs
        *("YES", "Y", "C", "CONFIRM"),  # en
    ),
    CANCEL: (
        *("NIE", "N", "ODWOŁUJĘ", "REZYGNUJĘ", "NIE BĘDĘ", "NIE PRZYJDĘ", "ODWOŁAJ"),  # pl
        *("NE", "RUŠÍM", "NEPŘIJDU", "ZRUŠIT", "ZRUŠTE"),  # cs
        *("NO", "CANCEL"),  # en
    ),
    STOP: (
        *("STOP", "STOP SMS", "NIE WYSYŁAJ", "NIE WYSYŁAĆ", "WYPISZ"),  # pl
        *("NEPOSÍLAT", "NEPOSÍLEJTE", "ODHLÁSIT"),  # cs
        *("UNSUBSCRIBE", "STOPALL", "OPTOUT"),  # en (the words Twilio also honours)
    ),
}
_ALONE_ONLY = {"NO"}  # besides one-letter words: ordinary words in a sentence

_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss"})  # no decomposition


def fold(text: str) -> list[str]:
    """The words of ``text``: upper case, without diacritics and punctuation."""
    plain = unicodedata.normalize("NFKD", text.translate(_FOLD))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", " ", plain.upper()).split()


@dataclass(frozen=True)
class Vocabulary:
    """Folded phrases -> meaning, longest first."""

    phrases: tuple[tuple[tuple[str, ...], str], ...]

    @classmethod
    def build(cls, cfg: Replies | None = None) -> Vocabulary:
        extra = {CONFIRM: cfg.confirm, CANCEL: cfg.cancel, STOP: cfg.stop} if cfg else {}
        found: dict[tuple[str, ...], str] = {}
        for meaning in (CONFIRM, CANCEL, STOP):  # later lists win a clash: stop is the safest
            for phrase in _all(BUILT_IN[meaning], extra.get(meaning, ())):
                words = tuple(fold(phrase))
                if words:
                    found[words] = meaning
        ordered = sorted(found.items(), key=lambda kv: -len(kv[0]))
        return cls(tuple(ordered))

    def meaning(self, text: str) -> str:
        words = fold(text)
        seen: set[str] = set()
        i = 0
        while i < len(words):
            hit = self._match(words, i)
            if hit is None:
                i += 1
                continue
            phrase, meaning = hit
            seen.add(meaning)
            i += len(phrase)
        if STOP in seen:
            return STOP
        return seen.pop() if len(seen) == 1 else UNRECOGNISED

    def _match(self, words: list[str], i: int) -> tuple[tuple[str, ...], str] | None:
        for phrase, meaning in self.phrases:
            if tuple(words[i : i + len(phrase)]) != phrase:
                continue
            if len(phrase) == 1 and (len(phrase[0]) == 1 or phrase[0] in _ALONE_ONLY) and len(words) > 1:
                continue
            return phrase, meaning
        return None


def _all(*lists: Iterable[str]) -> list[str]:
    return [w for lst in lists for w in lst]
