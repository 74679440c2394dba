"""SMS text length, encoding and transliteration (GSM 03.38).

An SMS is sent either in the GSM-7 alphabet (7-bit septets) or, as soon as one
character falls outside it, in UCS-2 (16-bit units) for the *whole* message.
A single Polish "ł" therefore cuts the room in a single SMS from 160 to 70
characters, and the practice pays for every extra segment.  This module
answers three questions without any I/O:

* :func:`measure` - which encoding a text will use, what it costs in septets
  or UTF-16 code units, and into how many segments it will be split;
* :func:`ucs2_forcing` - which characters are to blame for UCS-2;
* :func:`transliterate` - a lossy but readable rewrite of Polish, Czech and
  Slovak letters and typographic punctuation into GSM-7.

Segmentation rules:

* GSM-7: the basic table costs 1 septet; the extension table costs 2 (an
  escape plus the character).  Up to 160 septets fit one SMS; longer texts are
  split into parts of at most 153 septets (the rest is the concatenation
  header).
* UCS-2: one UTF-16 code unit per BMP character, two for astral ones (emoji).
  Up to 70 units fit one SMS, otherwise parts of at most 67 units.
* Multi-part texts are filled greedily, and a 2-cost item (escape pair or
  surrogate pair) is never split across two parts: when only one unit is left
  in a part it starts the next one.  Hence the part count is not simply
  ``ceil(units / 153)``; both encodings share :func:`_count_parts`.

Indices reported by :func:`ucs2_forcing` are Python string indices (code
points), not UTF-16 offsets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

GSM7_SINGLE = 160
GSM7_MULTI = 153
UCS2_SINGLE = 70
UCS2_MULTI = 67

# The 128-entry default alphabet, in table order, minus 0x1B (the escape to
# the extension table, not a character of its own).  0x09 is the capital Ç as
# the standard prints it, although many handsets render it as ç.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

# Extension table: each character is sent as ESC + code, i.e. 2 septets.
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_GSM7_ALL = _GSM7_BASIC | _GSM7_EXTENSION


def _letters(source: str, target: str) -> dict[str, str]:
    """Pair up two equally long rows of single characters (strict: typos fail at import)."""
    return dict(zip(source, target, strict=True))


# Only characters outside GSM-7 are listed.  Letters that GSM-7 already has
# (é É from Czech; ä ö ü Ä Ö Ü from Slovak/German) are deliberately kept:
# they cost no more than a plain letter and keep names spelled correctly.
_TRANSLIT: dict[str, str] = {
    # Polish
    **_letters("ąćęłńóśźż", "acelnoszz"),
    **_letters("ĄĆĘŁŃÓŚŹŻ", "ACELNOSZZ"),
    # Czech (ó Ó are covered by the Polish rows; é É are GSM-7)
    **_letters("áčďěíňřšťúůýž", "acdeinrstuuyz"),
    **_letters("ÁČĎĚÍŇŘŠŤÚŮÝŽ", "ACDEINRSTUUYZ"),
    # Slovak extras common in names
    **_letters("ľĺŕô", "llro"),
    **_letters("ĽĹŔÔ", "LLRO"),
    # Typographic punctuation.  The ASCII backtick is not GSM-7 either; mapping it
    # leaves every ASCII character from ' ' to '~' as GSM-7.
    **dict.fromkeys("‘’‚′´`", "'"),
    **dict.fromkeys("“”„″«»", '"'),
    **dict.fromkeys("–—‒−", "-"),
    "…": "...",
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space
    "•": "*",
}

_TRANSLIT_TABLE = str.maketrans(_TRANSLIT)


@dataclass(frozen=True)
class Length:
    """How a text travels as SMS.

    ``units`` is the total cost: septets for GSM-7 (extension characters count
    2), UTF-16 code units for UCS-2 (astral characters count 2).  ``per_part``
    is the capacity that applies: 160/153 for GSM-7 or 70/67 for UCS-2,
    depending on whether the text fits a single SMS.  The empty text is one
    (empty) part.
    """

    encoding: str
    units: int
    parts: int
    per_part: int


def is_gsm7(text: str) -> bool:
    """True if every character is in the GSM-7 basic or extension table."""
    return all(ch in _GSM7_ALL for ch in text)


def ucs2_forcing(text: str) -> list[tuple[int, str]]:
    """(index, char) of every character that forces UCS-2, in text order."""
    return [(i, ch) for i, ch in enumerate(text) if ch not in _GSM7_ALL]


def _gsm7_cost(ch: str) -> int:
    return 2 if ch in _GSM7_EXTENSION else 1


def _ucs2_cost(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _count_parts(costs: list[int], single: int, multi: int) -> int:
    """Number of segments for per-character costs of 1 or 2.

    A character is indivisible: if it does not fit in what is left of the
    current part, the part is closed short and the character opens the next.
    """
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            parts += 1
            used = 0
        used += cost
    return parts


def _length(encoding: str, costs: Iterable[int], single: int, multi: int) -> Length:
    cost_list = list(costs)
    parts = _count_parts(cost_list, single, multi)
    per_part = single if parts == 1 else multi
    return Length(encoding=encoding, units=sum(cost_list), parts=parts, per_part=per_part)


def measure(text: str) -> Length:
    """Encoding, cost and number of SMS segments of ``text``."""
    if is_gsm7(text):
        return _length(GSM7, map(_gsm7_cost, text), GSM7_SINGLE, GSM7_MULTI)
    return _length(UCS2, map(_ucs2_cost, text), UCS2_SINGLE, UCS2_MULTI)


def transliterate(text: str) -> str:
    """Rewrite Polish/Czech/Slovak letters and typographic punctuation to GSM-7.

    Characters that GSM-7 already has are kept as they are; characters with no
    mapping (emoji, Cyrillic, ...) are left untouched, so :func:`measure` still
    reports UCS-2 for them.  Every replacement is GSM-7 and no GSM-7 character
    is ever replaced, so the function is idempotent.
    """
    return text.translate(_TRANSLIT_TABLE)
