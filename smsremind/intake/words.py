"""The words practices write for a visit's status and a patient's language.

Exports say ``odwołana``, ``zrušeno`` or ``Potwierdzona`` where we store
``cancelled`` or ``scheduled``, and ``polski`` or ``CZ`` where we store
``pl`` or ``cs``.  A :class:`Words` table answers both the exact text (a
dict hit: the hot path of a large import) and any spelling of a known word
that differs only in case, spaces or diacritics (folded once, then
remembered under the text as written, so the next row with it is a hit).

An unknown word is never guessed: the row is rejected, naming the accepted
words.  ``[import.status]`` adds a practice's own words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Final

from smsremind.i18n import N_, Later

# Built-in status words, pl / cs / en.  The empty cell means scheduled (as before).
CANCELLED_WORDS: Final = (
    "cancelled", "canceled", "cancel", "storno", "stornováno", "stornována",
    "odwołana", "odwołano", "odwołany", "odwołane", "anulowana", "anulowano", "anulowany",
    "zrušeno", "zrušená", "zrušený", "zrušena", "odvoláno", "odvolaná",
)  # fmt: skip
SCHEDULED_WORDS: Final = (
    "", "scheduled", "confirmed", "booked",
    "zaplanowana", "zaplanowano", "zaplanowany", "potwierdzona", "potwierdzono", "potwierdzony",
    "umówiona", "umówiono", "zarezerwowana",
    "objednáno", "objednána", "objednaný", "potvrzeno", "potvrzená", "naplánováno", "rezervováno",
)  # fmt: skip
LANGUAGE_WORDS: Final = {
    "pl": ("pl", "pl-pl", "pl_pl", "pol", "polski", "polska", "polish", "polština"),
    "cs": ("cs", "cz", "cs-cz", "cs_cz", "ces", "cze", "čeština", "česky", "český", "czech", "czeski"),
    "en": ("en", "en-gb", "en-us", "eng", "english", "angielski", "angličtina"),
}


def fold(text: str) -> str:
    """Case, surrounding/inner runs of spaces and diacritics do not matter: ``Odwołána `` -> ``odwolana``.

    ``ł`` has no decomposition in Unicode, so it is mapped by hand.
    """
    lowered = " ".join(text.split()).casefold().replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))


class Words(dict[str, str | None]):
    """Text as written -> our value; misses are folded and, if known, remembered.

    ``groups`` are (value, words) pairs, earlier pairs winning when a word
    folds to the same text as a later one (a practice's own words first).
    """

    def __init__(
        self,
        what: str,
        groups: Iterable[tuple[str | None, Iterable[str]]],
        hint: str = "",
        limit: int = 10_000,
    ):
        super().__init__()
        self.what = what
        self.hint = hint
        self.limit = limit  # a column of free text must not grow the cache without bound
        self.folded: dict[str, str | None] = {}
        self.names: dict[str, list[str]] = {}
        for value, words in groups:
            for word in words:
                self.folded.setdefault(fold(word), value)
                if word and value:
                    self.names.setdefault(value, []).append(word)
        self.update(self.folded)

    def lookup(self, text: str) -> str | None:
        """Our value for ``text``, or None when it is not a known word."""
        hit = self.get(text)
        if hit is None:
            hit = self.folded.get(fold(text))
            if hit is not None and len(self) < self.limit:
                self[text] = hit
        return hit

    def accepted(self) -> str:
        """The accepted words, for a reject message."""
        return "; ".join(f"{value}: {', '.join(words)}" for value, words in self.names.items())

    def unknown(self, text: str) -> str:
        """The reject reason for ``text`` (English; translated when printed, see :class:`Later`)."""
        *rest, last = self.names
        values = Later(N_("{some} or {last}"), some=", ".join(rest), last=last) if rest else last
        hint = Later(self.hint) if self.hint else ""
        return Later(
            N_("{column} {text} is not {values} (accepted words: {accepted}{hint})"),
            column=self.what,
            text=repr(text.strip()),
            values=values,
            accepted=self.accepted(),
            hint=hint,
        )


def statuses(extra: Mapping[str, Iterable[str]] | None = None) -> Words:
    """Status words, built in plus a practice's own (``[import.status]``) in front."""
    extra = extra or {}
    own = [(value, extra.get(value, ())) for value in ("scheduled", "cancelled")]
    groups = [*own, ("scheduled", SCHEDULED_WORDS), ("cancelled", CANCELLED_WORDS)]
    return Words("status", groups, hint=N_("; add yours in [import.status]"))


def languages() -> Words:
    """Language words; a blank cell means none (the config's default language)."""
    return Words("language", [(None, [""]), *LANGUAGE_WORDS.items()])
