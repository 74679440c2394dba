"""Phone numbers: normalise to E.164, classify for SMS (SPEC §3), mask for humans.

`phonenumbers` is slow enough (tens of microseconds a parse) that a calendar
of repeating patients would pay for the same number many times, so
:func:`classify` is cached per raw string and region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from smsremind.errors import InvalidInputError
from smsremind.i18n import _

INVALID = "invalid-number"
LANDLINE = "landline"
NOT_MOBILE = "not-mobile"

_SENDABLE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class Phone:
    raw: str
    e164: str | None
    problem: str | None  # None when an SMS may be sent; else a SPEC §3 reason code

    @property
    def key(self) -> str:
        """What the message is addressed to: E.164, or the raw input when invalid."""
        return self.e164 or self.raw


@lru_cache(maxsize=200_000)
def classify(raw: str, region: str) -> Phone:
    raw = raw.strip()
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return Phone(raw, None, INVALID)
    if not phonenumbers.is_valid_number(number):
        return Phone(raw, None, INVALID)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    kind = phonenumbers.number_type(number)
    if kind in _SENDABLE:
        return Phone(raw, e164, None)
    return Phone(raw, e164, LANDLINE if kind == PhoneNumberType.FIXED_LINE else NOT_MOBILE)


# A classification stored with the appointment (column ``phone_class``, written by the
# first run that plans the visit), so that planning does not parse the same numbers on
# every cron tick: "REGION|E164|PROBLEM", empty parts
# for None.  The region it was made for is kept: another config country means parse again.


@lru_cache(maxsize=200_000)
def to_class_text(raw: str, region: str) -> str:
    phone = classify(raw, region)
    return f"{region}|{phone.e164 or ''}|{phone.problem or ''}"


def from_class_text(raw: str, text: str | None, region: str) -> Phone:
    """The stored classification of ``raw`` if made for ``region``, else a fresh one."""
    if text:
        stored_region, e164, problem = text.split("|")
        if stored_region == region:
            return Phone(raw.strip(), e164 or None, problem or None)
    return classify(raw, region)


def normalise(raw: str, region: str) -> str:
    """E.164 of a user-given number, or InvalidInputError (for opt-out commands)."""
    phone = classify(raw, region)
    if phone.e164 is None:
        raise InvalidInputError(_("{phone} is not a valid phone number").format(phone=mask(raw)))
    return phone.e164


@lru_cache(maxsize=100_000)  # a listing masks the same numbers again and again
def mask(number: str, valid: bool = False) -> str:
    """``+48601234567`` -> ``+48 601 *** *67``: country code, first group, last two digits.

    ``valid``: ``number`` is the E.164 form of a number :func:`classify` found valid (a
    listing's recipients), so it is not validated again: that is half of what a mask costs,
    ~0.2 s for a day's 3,000 messages."""
    try:
        parsed = _from_e164(number) if valid else phonenumbers.parse(number, None)
        shown = phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        shown = None
    if shown and (valid or phonenumbers.is_valid_number(parsed)):
        head, _gap, rest = shown.partition(" ")
        first, _gap, tail = rest.partition(" ")
        return f"{head} {first} {_hide(tail)}" if tail else f"{head} {_hide(first)}"
    return _hide(number.strip())


def _from_e164(e164: str) -> phonenumbers.PhoneNumber:
    """The number of an E.164 text that :func:`classify` made, without parsing it again:
    calling codes are prefix-free, and the national number keeps its leading zeros (Italy)
    as ``parse`` records them (tests compare the two for many countries)."""
    digits = e164.removeprefix("+")
    codes = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    size = next((n for n in (1, 2, 3) if int(digits[:n]) in codes), None) if digits.isdigit() else None
    if size is None or len(digits) == size:
        return phonenumbers.parse(e164, None)  # not one of ours after all: the library decides
    national = digits[size:]
    zeros = len(national) - len(national.lstrip("0"))
    return phonenumbers.PhoneNumber(
        country_code=int(digits[:size]),
        national_number=int(national),
        italian_leading_zero=True if zeros else None,
        number_of_leading_zeros=zeros if zeros > 1 else None,
    )


# Seven or more digits, possibly separated the way numbers are written: only then can a
# number hide in a text (the matcher below costs ~0.2 ms a line; most lines have none).
_CANDIDATE = re.compile(r"\+?\d[\d ()./-]{5,}\d")


def mask_text(text: str, regions: tuple[str, ...] = ("PL", "CZ")) -> str:
    """Mask every phone number inside ``text`` (an error quoting a cell, a gateway URL, a log line).

    Anything that parses as a valid number in one of ``regions`` (or with a
    ``+CC``) is masked, wherever it stands; ``%2B`` is how URLs spell the ``+``.
    """
    text = text.replace("%2B", "+").replace("%2b", "+")
    if not any(sum(ch.isdigit() for ch in m.group(0)) >= 7 for m in _CANDIDATE.finditer(text)):
        return text  # no run of 7+ digits: no number to mask, and log lines stay cheap
    spans: dict[tuple[int, int], str] = {}
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            if any(match.start < end and start < match.end for start, end in spans):
                continue  # already masked as another region's number
            spans[match.start, match.end] = mask(match.raw_string)
    for (start, end), shown in sorted(spans.items(), reverse=True):
        text = text[:start] + shown + text[end:]
    return text


def _hide(text: str) -> str:
    """Replace every digit but the last two with '*'; text without digits is hidden whole."""
    total = sum(ch.isdigit() for ch in text)
    if not total:
        return "***"
    out, seen = [], 0
    for ch in text:
        if ch.isdigit():
            seen += 1
            ch = ch if seen > total - 2 else "*"
        out.append(ch)
    return "".join(out)
