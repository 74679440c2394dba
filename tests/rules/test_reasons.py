"""Reason codes stay codes where machines read them; people read their text in their language."""

from __future__ import annotations

import pytest

from smsremind import i18n
from smsremind.intake import phones
from smsremind.rules import messages, reasons, schedule
from smsremind.rules.reasons import describe
from smsremind.sending import journal, outbound


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "booked after the reminder time"),
        ("pl", "zapisano po terminie przypomnienia"),
        ("cs", "objednáno po termínu připomínky"),
    ],
)
def test_a_known_code_is_described_in_the_language(lang: str, expected: str) -> None:
    i18n.use(lang)
    assert describe("booked-too-late") == expected


def test_every_code_the_product_stores_has_a_text() -> None:
    codes = {
        schedule.NO_SEND_DAY,
        schedule.BOOKED_TOO_LATE,
        messages.OPTED_OUT,
        messages.COVERED,
        messages.SEND_DAY_PASSED,
        messages.APPOINTMENT_PASSED,
        messages.QUOTA,
        phones.INVALID,
        phones.LANDLINE,
        phones.NOT_MOBILE,
        journal.GATEWAY_UNAVAILABLE,
        reasons.CANCELLED,
        journal.RESOLVE_LATER,
        outbound.NOT_RESENT_LATE,
        outbound.NO_KEY,
        outbound.KEY_EXPIRED,
    }
    assert codes <= set(reasons.TEXTS)
    i18n.use("pl")
    described = {code: describe(code) for code in codes}
    assert all(text != code for code, text in described.items()), described
    assert described["quota"] == "limit SMS wyczerpany"
    assert described["opted-out"] == "pacjent zrezygnował z SMS-ów"


def test_the_gateways_words_are_left_as_they_are() -> None:
    i18n.use("cs")
    for reason in ("SMSAPI 101: Authorization failed", "SMSbrána 10: invalid number", "", "something new"):
        assert describe(reason) == reason


def test_our_fixed_phrases_are_recognised_also_inside_a_stored_reason() -> None:
    i18n.use("pl")
    assert describe("found after an uncertain attempt") == "odnaleziona po niepewnej próbie"
    assert describe("rate limited by the gateway (429)") == "bramka ograniczyła tempo wysyłki (429)"
    # journal.finish writes "<the gateway's reason or 'no answer'>; <resolve later>"
    later = "jeszcze bez odpowiedzi; następne uruchomienie zapyta ponownie z tym samym kluczem"
    assert describe(f"no answer; {journal.RESOLVE_LATER}") == f"brak odpowiedzi; {later}"
    assert describe(f"SMSAPI 8: error; {journal.RESOLVE_LATER}") == f"SMSAPI 8: error; {later}"


def test_a_step_keeps_its_english_text_whatever_the_language() -> None:
    """The text `explain --json` carries is computed in English even while Polish is spoken."""
    from datetime import datetime

    cal = schedule.Calendar(True, lambda _day: None)
    start, booked = datetime(2026, 11, 29, 10, 0), datetime(2026, 11, 20, 10, 0)
    i18n.use("pl")
    r = schedule.reminder_time(start, booked, schedule.Rules(), cal)
    assert [s.text for s in r.steps] == [
        "24 h before Sun 2026-11-29 10:00 (wall clock) -> Sat 2026-11-28 10:00",
        "inside the window 09:00-20:00",
        "Saturday is not a sending day -> Fri 2026-11-27",
        "2026-11-27 is before the visit day 2026-11-29",
        "booked Fri 2026-11-20 10:00, before the send time",
    ]
    assert r.steps[2].shown() == "sobota to nie dzień wysyłki -> pt. 2026-11-27"
    i18n.use("cs")
    assert r.steps[0].shown() == "24 h před Ne 2026-11-29 10:00 (místní čas) -> So 2026-11-28 10:00"
