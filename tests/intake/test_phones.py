"""Phone numbers (SPEC §3): E.164, SMS-ability, masking."""

from __future__ import annotations

import pytest

from smsremind.errors import InvalidInputError
from smsremind.intake.phones import INVALID, LANDLINE, NOT_MOBILE, classify, mask, normalise


@pytest.mark.parametrize(
    ("raw", "region", "e164", "problem"),
    [
        ("601 234 567", "PL", "+48601234567", None),
        ("+48 601-234-567", "PL", "+48601234567", None),
        ("0048601234567", "PL", "+48601234567", None),
        ("+420 603 123 456", "PL", "+420603123456", None),
        ("603123456", "CZ", "+420603123456", None),
        ("22 628 45 12", "PL", "+48226284512", LANDLINE),
        ("800 123 456", "PL", "+48800123456", NOT_MOBILE),
        ("701 234 567", "PL", "+48701234567", NOT_MOBILE),
        ("123 45", "PL", None, INVALID),
        ("not a number", "PL", None, INVALID),
    ],
    ids=[
        "pl-mobile",
        "pl-mobile-dashes",
        "pl-00-prefix",
        "cz-mobile-from-pl",
        "cz-mobile-region",
        "pl-landline",
        "pl-toll-free",
        "pl-premium",
        "too-short",
        "letters",
    ],
)
def test_classify(raw: str, region: str, e164: str | None, problem: str | None) -> None:
    phone = classify(raw, region)
    assert (phone.e164, phone.problem) == (e164, problem)
    assert phone.key == (e164 or raw.strip())


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+48601234567", "+48 601 *** *67"),
        ("+420603123456", "+420 603 *** *56"),
        ("+48226284512", "+48 22 *** ** 12"),
        ("123 45", "*** 45"),
        ("abc", "***"),
    ],
    ids=["pl", "cz", "landline", "invalid", "no-digits"],
)
def test_mask(number: str, shown: str) -> None:
    assert mask(number) == shown


def test_normalise_rejects_invalid_input_without_echoing_it() -> None:
    assert normalise("601 234 567", "PL") == "+48601234567"
    with pytest.raises(InvalidInputError, match=r"\*\*\*45 is not a valid phone number"):
        normalise("12345", "PL")
