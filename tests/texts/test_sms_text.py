"""Tests for smsremind.sms_text: GSM 03.38 length, segmentation and transliteration."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsremind.texts.sms_text import (
    GSM7,
    UCS2,
    Length,
    is_gsm7,
    measure,
    transliterate,
    ucs2_forcing,
)

GSM7_BASIC_SPECIALS = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà"
GSM7_EXTENSION = "\f^{}\\[~]|€"
EMOJI = "😀"  # U+1F600, a surrogate pair in UTF-16


def _char_id(prefix: str, ch: str) -> str:
    """Readable ASCII test id, e.g. ``pl-small_a_with_ogonek``."""
    name = unicodedata.name(ch).lower().replace("latin ", "").replace("letter ", "")
    return f"{prefix}-{name.replace(' ', '_')}"


# --- measure: GSM-7 ------------------------------------------------------------------------

GSM7_CASES = [
    ("", 0, 1),
    ("a" * 160, 160, 1),
    ("a" * 161, 161, 2),
    ("a" * 306, 306, 2),
    ("a" * 307, 307, 3),
    ("a" * 158 + "€", 160, 1),
    ("a" * 159 + "€", 161, 2),
    # 152 + 2 + 152 = 306 septets.  Part 1 holds the 152 'a' and has 1 septet left, too few
    # for ESC+€, so it closes at 152.  Part 2: € (2) + 151 'a' = 153.  The last 'a' makes
    # part 3 - although ceil(306 / 153) would say 2.
    ("a" * 152 + "€" + "a" * 152, 306, 3),
    # Same total, but the escape pair ends exactly at septet 153: 151 + 2 = 153, then 153 'a'.
    ("a" * 151 + "€" + "a" * 153, 306, 2),
    ("€" * 80, 160, 1),
    # 153 pairs = 306 septets; a 153-septet part holds only 76 pairs: 76 + 76 + 1.
    ("€" * 153, 306, 3),
    (GSM7_BASIC_SPECIALS, len(GSM7_BASIC_SPECIALS), 1),
    (GSM7_EXTENSION, 2 * len(GSM7_EXTENSION), 1),
    (string.ascii_letters + string.digits, 62, 1),
]
GSM7_IDS = [
    "empty",
    "160-ascii",
    "161-ascii",
    "306-ascii",
    "307-ascii",
    "158+euro=160",
    "159+euro=161",
    "escape-pair-straddles-153",
    "escape-pair-ends-at-153",
    "80-euro=160",
    "153-euro-pairs",
    "basic-table-specials",
    "extension-table-costs-2",
    "ascii-alnum",
]


@pytest.mark.parametrize(("text", "units", "parts"), GSM7_CASES, ids=GSM7_IDS)
def test_measure_gsm7(text: str, units: int, parts: int) -> None:
    length = measure(text)
    assert (length.encoding, length.units, length.parts) == (GSM7, units, parts)
    assert length.per_part == (160 if parts == 1 else 153)


# --- measure: UCS-2 ------------------------------------------------------------------------

UCS2_CASES = [
    ("ł" * 70, 70, 1),
    ("ł" * 71, 71, 2),
    ("ř" * 134, 134, 2),
    ("ř" * 135, 135, 3),
    ("a" * 69 + "ł", 70, 1),
    (EMOJI, 2, 1),
    ("ł" * 68 + EMOJI, 70, 1),
    ("ł" * 69 + EMOJI, 71, 2),
    # 66 + 2 + 66 = 134 units.  Part 1 closes at 66 (the pair cannot take the 67th unit),
    # part 2: emoji (2) + 65 'ł' = 67, part 3: the last 'ł'.  ceil(134 / 67) would say 2.
    ("ł" * 66 + EMOJI + "ł" * 66, 134, 3),
    # Same total, but the pair ends exactly at unit 67: 65 + 2 = 67, then 67 'ł'.
    ("ł" * 65 + EMOJI + "ł" * 67, 134, 2),
    # 67 pairs = 134 units; a 67-unit part holds only 33 pairs: 33 + 33 + 1.
    (EMOJI * 67, 134, 3),
    # In UCS-2 a GSM-7 extension character is an ordinary single unit.
    ("ł€", 2, 1),
]
UCS2_IDS = [
    "70-l_stroke",
    "71-l_stroke",
    "134-r_caron",
    "135-r_caron",
    "69-ascii+l_stroke",
    "emoji-costs-2",
    "68+emoji=70",
    "69+emoji=71",
    "surrogate-pair-straddles-67",
    "surrogate-pair-ends-at-67",
    "67-emoji-pairs",
    "euro-is-1-unit-in-ucs2",
]


@pytest.mark.parametrize(("text", "units", "parts"), UCS2_CASES, ids=UCS2_IDS)
def test_measure_ucs2(text: str, units: int, parts: int) -> None:
    length = measure(text)
    assert (length.encoding, length.units, length.parts) == (UCS2, units, parts)
    assert length.per_part == (70 if parts == 1 else 67)


def test_measure_returns_frozen_length() -> None:
    assert measure("ok") == Length(encoding=GSM7, units=2, parts=1, per_part=160)


# --- which characters force UCS-2 ----------------------------------------------------------

POLISH = [
    ("ą", "a"), ("ć", "c"), ("ę", "e"), ("ł", "l"), ("ń", "n"),
    ("ó", "o"), ("ś", "s"), ("ź", "z"), ("ż", "z"),
    ("Ą", "A"), ("Ć", "C"), ("Ę", "E"), ("Ł", "L"), ("Ń", "N"),
    ("Ó", "O"), ("Ś", "S"), ("Ź", "Z"), ("Ż", "Z"),
]  # fmt: skip
# é and É are GSM-7 already and are deliberately kept.
CZECH = [
    ("á", "a"), ("č", "c"), ("ď", "d"), ("é", "é"), ("ě", "e"), ("í", "i"), ("ň", "n"),
    ("ó", "o"), ("ř", "r"), ("š", "s"), ("ť", "t"), ("ú", "u"), ("ů", "u"), ("ý", "y"),
    ("ž", "z"),
    ("Á", "A"), ("Č", "C"), ("Ď", "D"), ("É", "É"), ("Ě", "E"), ("Í", "I"), ("Ň", "N"),
    ("Ó", "O"), ("Ř", "R"), ("Š", "S"), ("Ť", "T"), ("Ú", "U"), ("Ů", "U"), ("Ý", "Y"),
    ("Ž", "Z"),
]  # fmt: skip
SLOVAK = [
    ("ľ", "l"), ("ĺ", "l"), ("ŕ", "r"), ("ô", "o"),
    ("Ľ", "L"), ("Ĺ", "L"), ("Ŕ", "R"), ("Ô", "O"),
]  # fmt: skip
LETTERS = [*POLISH, *CZECH, *SLOVAK]
LETTER_IDS = (
    [_char_id("pl", c) for c, _ in POLISH]
    + [_char_id("cs", c) for c, _ in CZECH]
    + [_char_id("sk", c) for c, _ in SLOVAK]
)
FORCING = [(c, t) for c, t in LETTERS if c not in "éÉ"]
FORCING_IDS = [i for (c, _), i in zip(LETTERS, LETTER_IDS, strict=True) if c not in "éÉ"]
KEPT_GSM7 = "éäöüÄÖÜñàÉ"


@pytest.mark.parametrize(("char", "_plain"), FORCING, ids=FORCING_IDS)
def test_diacritic_forces_ucs2(char: str, _plain: str) -> None:
    assert not is_gsm7(char)
    assert measure("Dzien dobry " + char).encoding == UCS2


@pytest.mark.parametrize("char", KEPT_GSM7, ids=[_char_id("gsm", c) for c in KEPT_GSM7])
def test_latin_letters_in_gsm7_stay_gsm7(char: str) -> None:
    assert is_gsm7(char)
    assert measure("Termin " + char) == Length(GSM7, 8, 1, 160)
    assert transliterate(char) == char


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zażółć", [(2, "ż"), (3, "ó"), (4, "ł"), (5, "ć")]),
        ("Dobrý den", [(4, "ý")]),
        ("Wizyta € [10:00] ^_^", []),
        ("", []),
        (f"ok {EMOJI}!", [(3, EMOJI)]),
    ],
    ids=["zazolc", "czech-y-acute", "gsm7-with-extension", "empty", "emoji-is-one-index"],
)
def test_ucs2_forcing(text: str, expected: list[tuple[int, str]]) -> None:
    assert ucs2_forcing(text) == expected


# --- transliterate -------------------------------------------------------------------------


@pytest.mark.parametrize(("char", "plain"), LETTERS, ids=LETTER_IDS)
def test_transliterate_letter(char: str, plain: str) -> None:
    assert transliterate(char) == plain
    assert is_gsm7(transliterate(char))


SENTENCES = [
    ("Zażółć gęślą jaźń", "Zazolc gesla jazn"),
    ("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "ZAZOLC GESLA JAZN"),
    ("Příliš žluťoučký kůň úpěl ďábelské ódy", "Prilis zlutoucky kun upel dabelské ody"),
    ("PŘÍLIŠ ŽLUŤOUČKÝ KŮŇ ÚPĚL ĎÁBELSKÉ ÓDY", "PRILIS ZLUTOUCKY KUN UPEL DABELSKÉ ODY"),
    ("Ľudovít Štúr, kôň", "Ludovit Stur, kon"),
    ("Müller, Gößl, Ñandú", "Müller, Gößl, Ñandu"),
]


@pytest.mark.parametrize(
    ("text", "plain"),
    SENTENCES,
    ids=["pl-pangram", "pl-pangram-upper", "cs-pangram", "cs-pangram-upper", "sk-names", "de-es"],
)
def test_transliterate_sentence(text: str, plain: str) -> None:
    result = transliterate(text)
    assert result == plain
    assert measure(result).encoding == GSM7
    assert measure(result).units == len(plain)


PUNCTUATION = [
    ("‘", "'"), ("’", "'"), ("‚", "'"), ("′", "'"), ("´", "'"), ("`", "'"),
    ("“", '"'), ("”", '"'), ("„", '"'), ("″", '"'), ("«", '"'), ("»", '"'),
    ("–", "-"), ("—", "-"), ("‒", "-"), ("−", "-"),
    ("…", "..."), ("\u00a0", " "), ("\u202f", " "), ("•", "*"),
]  # fmt: skip


@pytest.mark.parametrize(("char", "plain"), PUNCTUATION, ids=[_char_id("punct", c) for c, _ in PUNCTUATION])
def test_transliterate_punctuation(char: str, plain: str) -> None:
    assert transliterate(char) == plain
    assert is_gsm7(plain)


def test_transliterate_typographic_sentence() -> None:
    text = "„Wizyta” – jutro\u00a010:00… Proszę o ‘potwierdzenie’ • dr Łoś"
    plain = "\"Wizyta\" - jutro 10:00... Prosze o 'potwierdzenie' * dr Los"
    assert transliterate(text) == plain
    assert measure(plain) == Length(GSM7, len(plain), 1, 160)


@pytest.mark.parametrize(
    "text",
    [f"Wizyta {EMOJI}", "Привет", "façade", "日本"],
    ids=["emoji", "cyrillic", "c-cedilla-small", "cjk"],
)
def test_unmapped_characters_are_left_and_still_ucs2(text: str) -> None:
    assert transliterate(text) == text
    assert measure(transliterate(text)).encoding == UCS2


@pytest.mark.parametrize(
    "text",
    ["Zażółć gęślą jaźń", "Příliš žluťoučký kůň", "„cytat” — koniec…", f"ł{EMOJI}", ""],
    ids=["pl", "cs", "punctuation", "unmapped-left", "empty"],
)
def test_transliterate_idempotent(text: str) -> None:
    once = transliterate(text)
    assert transliterate(once) == once


# --- properties ----------------------------------------------------------------------------

_DIACRITICS = "".join(c for c, _ in LETTERS) + "".join(c for c, _ in PUNCTUATION)
_LOCAL_TEXT = st.text(alphabet=st.sampled_from(_DIACRITICS + string.ascii_letters + " " + string.punctuation))
_GSM7_ALPHABET = (
    GSM7_BASIC_SPECIALS
    + GSM7_EXTENSION
    + string.ascii_letters
    + string.digits
    + " \n\r"
    + string.punctuation.replace("`", "")  # the backtick is not GSM-7
)


@given(_LOCAL_TEXT)
def test_property_local_text_transliterates_to_gsm7(text: str) -> None:
    result = transliterate(text)
    assert measure(result).encoding == GSM7
    assert ucs2_forcing(result) == []


@given(st.text())
def test_property_length_is_consistent(text: str) -> None:
    length = measure(text)
    assert length.parts >= 1
    assert length.units <= length.parts * length.per_part
    # Greedy packing: every closed part lost at most one unit to an unsplittable pair.
    if length.parts > 1:
        assert length.units >= (length.parts - 1) * (length.per_part - 1) + 1
    assert (length.encoding == GSM7) == is_gsm7(text) == (ucs2_forcing(text) == [])
    if length.encoding == UCS2:
        assert length.units == len(text.encode("utf-16-le")) // 2
    else:
        assert length.units == len(text) + sum(text.count(c) for c in GSM7_EXTENSION)


@given(st.text())
def test_property_transliterate_idempotent(text: str) -> None:
    once = transliterate(text)
    assert transliterate(once) == once


@given(st.text(alphabet=st.sampled_from(_GSM7_ALPHABET)))
def test_property_gsm7_text_is_never_changed(text: str) -> None:
    assert is_gsm7(text)
    assert transliterate(text) == text
