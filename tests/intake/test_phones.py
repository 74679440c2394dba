"""Phone numbers (SPEC §3): E.164, SMS-ability, masking."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

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


def test_a_number_known_valid_is_masked_as_a_checked_one() -> None:
    """A listing tells mask() that its recipients' numbers were found valid: the result is
    the same as with the check, for numbers of many countries and shapes."""
    rng = random.Random(7)
    numbers = []
    for region in ("PL", "CZ", "IT", "DE", "GB", "US", "FR", "SK", "UA", "AT"):
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            for _ in range(20):  # valid neighbours of the example
                number = phonenumbers.parse(e164[:-3] + f"{rng.randrange(1000):03d}", None)
                if phonenumbers.is_valid_number(number):
                    numbers.append(phonenumbers.format_number(number, PhoneNumberFormat.E164))
    assert len(numbers) > 200 and any(n.startswith("+390") for n in numbers)  # an Italian leading zero
    for number in numbers:
        assert classify(number, "PL").e164 == number
        assert mask(number, True) == mask(number)


def test_normalise_rejects_invalid_input_without_echoing_it() -> None:
    assert normalise("601 234 567", "PL") == "+48601234567"
    with pytest.raises(InvalidInputError, match=r"\*\*\*45 is not a valid phone number"):
        normalise("12345", "PL")


@pytest.mark.parametrize(
    "number", ["+48601234567", "48601234567", "+", "", "+999123", "+48", "+48 601 234 567"]
)
def test_a_number_wrongly_said_valid_still_gets_a_mask(number: str) -> None:
    """Whatever a caller claims, mask() answers with a mask and never shows the whole number."""
    shown = mask(number, True)
    digits = sum(ch.isdigit() for ch in number)
    assert shown.count("*") >= min(4, digits - 2)  # the subscriber's digits stay hidden
