"""SPEC §2 send-time rules, one row per seed rule (ids name the rule)."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from smsremind.rules import schedule
from smsremind.rules.schedule import BOOKED_TOO_LATE, Calendar, Rules, holiday_lookup


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


LONG_AGO = "2026-01-05 10:00"
# 2026-11-27 Fri, 28 Sat, 29 Sun, 30 Mon; 12-01 Tue, 12-02 Wed, 12-03 Thu
CASES = [
    # id, rules kwargs, holidays, visit start, booked at, expected send time or reason
    ("D-before-24h-same-clock", {}, "", "2026-12-01 14:00", LONG_AGO, "2026-11-30 14:00"),
    (
        "D-fixed-1-day-at-0900",
        {"mode": "fixed"},
        "",
        "2026-12-01 14:00",
        LONG_AGO,
        "2026-11-30 09:00",
    ),
    ("D-before-48h", {"hours_before": 48}, "", "2026-12-03 11:15", LONG_AGO, "2026-12-01 11:15"),
    ("X4-before-window-to-0900", {}, "", "2026-12-01 07:30", LONG_AGO, "2026-11-30 09:00"),
    ("X4-after-window-to-2000", {}, "", "2026-12-01 21:00", LONG_AGO, "2026-11-30 20:00"),
    (
        "X4-fixed-at-outside-window",
        {"mode": "fixed", "at": time(7, 0)},
        "",
        "2026-12-01 14:00",
        LONG_AGO,
        "2026-11-30 09:00",
    ),
    (
        "X6-2days-monday-to-friday",
        {"hours_before": 48},
        "",
        "2026-11-30 10:00",
        LONG_AGO,
        "2026-11-27 10:00",
    ),
    (
        "X6-sunday-to-monday",
        {"hours_before": 48},
        "",
        "2026-12-01 10:00",
        LONG_AGO,
        "2026-11-30 10:00",
    ),
    ("X6-24h-monday-visit-to-friday", {}, "", "2026-11-30 10:00", LONG_AGO, "2026-11-27 10:00"),
    (
        "X6-fixed-2-days-tuesday-to-monday",
        {"mode": "fixed", "days_before": 2},
        "",
        "2026-12-01 15:00",
        LONG_AGO,
        "2026-11-30 09:00",
    ),
    (
        "X3-72h-monday-visit-friday",
        {"hours_before": 72},
        "",
        "2026-11-30 12:00",
        LONG_AGO,
        "2026-11-27 12:00",
    ),
    (
        "X3-72h-tuesday-visit-also-friday",
        {"hours_before": 72},
        "",
        "2026-12-01 09:00",
        LONG_AGO,
        "2026-11-27 09:00",
    ),
    (
        "X6-weekends-allowed",
        {"skip_weekends": False},
        "",
        "2026-11-30 10:00",
        LONG_AGO,
        "2026-11-29 10:00",
    ),
    ("X9-same-day-booking", {}, "", "2026-12-01 15:00", "2026-12-01 09:00", BOOKED_TOO_LATE),
    (
        "X9-booked-after-reminder-day",
        {"hours_before": 48},
        "",
        "2026-12-03 10:00",
        "2026-12-02 09:00",
        BOOKED_TOO_LATE,
    ),
    (
        "X5-booked-after-T-same-day-due-at-once",
        {"hours_before": 48},
        "",
        "2026-12-02 10:00",
        "2026-11-30 11:00",
        "2026-11-30 11:00",
    ),
    (
        "X5-booked-before-T-same-day",
        {"hours_before": 48},
        "",
        "2026-12-02 10:00",
        "2026-11-30 08:00",
        "2026-11-30 10:00",
    ),
    ("X5-booked-after-window-on-T-day", {}, "", "2026-12-01 10:00", "2026-11-30 20:30", BOOKED_TOO_LATE),
    ("X1-moved-to-today", {}, "", "2026-11-30 16:00", "2026-11-30 08:00", BOOKED_TOO_LATE),
    (
        "X1-moved-to-tomorrow-after-reminder-time",
        {},
        "",
        "2026-12-01 09:00",
        "2026-11-30 15:00",
        "2026-11-30 15:00",
    ),
    (
        "X8-72h-setting-applies",
        {"hours_before": 72},
        "",
        "2026-12-03 10:00",
        LONG_AGO,
        "2026-11-30 10:00",
    ),
    ("X13-pl-holiday-to-earlier-day", {}, "PL", "2026-11-12 10:00", LONG_AGO, "2026-11-10 10:00"),
    ("X13-cz-holiday-to-earlier-day", {}, "CZ", "2026-11-18 10:00", LONG_AGO, "2026-11-16 10:00"),
    ("X13-pl-christmas-block", {}, "PL", "2026-12-28 10:00", LONG_AGO, "2026-12-23 10:00"),
    ("X13-no-holidays-configured", {}, "", "2026-11-12 10:00", LONG_AGO, "2026-11-11 10:00"),
    (
        "X6-X13-sunday-next-day-is-holiday",
        {"hours_before": 72},
        "PL",
        "2026-04-08 10:00",
        LONG_AGO,
        "2026-04-07 10:00",
    ),
    ("X6-X13-easter-monday-visit", {}, "PL", "2026-04-07 10:00", LONG_AGO, "2026-04-03 10:00"),
    (
        "DST-spring-wall-clock-24h",
        {"skip_weekends": False},
        "",
        "2026-03-30 10:00",
        LONG_AGO,
        "2026-03-29 10:00",
    ),
    (
        "DST-spring-visit-on-change-day",
        {"skip_weekends": False},
        "",
        "2026-03-29 10:00",
        LONG_AGO,
        "2026-03-28 10:00",
    ),
    (
        "DST-autumn-wall-clock-24h",
        {"skip_weekends": False},
        "",
        "2026-10-26 10:00",
        LONG_AGO,
        "2026-10-25 10:00",
    ),
    (
        "DST-autumn-48h-across-change",
        {"hours_before": 48},
        "",
        "2026-10-27 08:45",
        LONG_AGO,
        "2026-10-26 09:00",
    ),
]


@pytest.mark.parametrize(
    ("rules", "country", "start", "booked", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_send_time(rules: dict, country: str, start: str, booked: str, expected: str) -> None:
    r = Rules(**rules)
    cal = Calendar(r.skip_weekends, holiday_lookup(country))
    result = schedule.reminder_time(at(start), at(booked), r, cal)
    if expected == BOOKED_TOO_LATE:
        assert (result.send_at, result.reason) == (None, BOOKED_TOO_LATE)
    else:
        assert result.reason is None
        assert result.send_at == at(expected)
    assert [s.rule for s in result.steps][:3] == ["nominal", "window", "sending-day"]


def test_steps_explain_each_move() -> None:
    cal = Calendar(True, holiday_lookup(""))
    result = schedule.reminder_time(at("2026-11-30 07:30"), at(LONG_AGO), Rules(), cal)
    texts = [s.text for s in result.steps]
    assert texts[0] == "24 h before Mon 2026-11-30 07:30 (wall clock) -> Sun 2026-11-29 07:30"
    assert texts[1] == "before the window 09:00-20:00 -> Sun 2026-11-29 09:00"
    assert texts[2] == "the next sending day is not before the visit day -> Fri 2026-11-27"
    assert result.send_at == at("2026-11-27 09:00")


def test_booked_too_late_keeps_planned_time_for_display() -> None:
    cal = Calendar(True, holiday_lookup(""))
    result = schedule.reminder_time(at("2026-12-01 15:00"), at("2026-12-01 09:00"), Rules(), cal)
    assert result.planned == at("2026-11-30 15:00")


def test_no_send_day_when_no_sending_day_exists() -> None:
    cal = Calendar(True, lambda _day: "closed")  # every day a holiday
    result = schedule.reminder_time(at("2026-12-01 15:00"), at(LONG_AGO), Rules(), cal)
    assert (result.send_at, result.reason) == (None, schedule.NO_SEND_DAY)


@pytest.mark.parametrize(
    ("rules", "country", "send_day", "visit_days"),
    [
        (
            {},
            "",
            "2026-11-27",
            ["2026-11-28", "2026-11-29", "2026-11-30"],
        ),  # Fri: Sat, Sun, Mon visits
        ({}, "", "2026-11-30", ["2026-12-01"]),
        ({}, "", "2026-11-28", []),  # Saturday sends nothing
        ({"hours_before": 72}, "", "2026-11-27", ["2026-11-30", "2026-12-01"]),
        ({"hours_before": 30}, "", "2026-11-30", ["2026-12-01", "2026-12-02"]),
        (
            {},
            "PL",
            "2026-12-23",
            ["2026-12-24", "2026-12-25", "2026-12-26", "2026-12-27", "2026-12-28"],
        ),
    ],
    ids=["friday-24h", "monday-24h", "saturday", "friday-72h", "monday-30h", "christmas-pl"],
)
def test_candidate_visit_days(rules: dict, country: str, send_day: str, visit_days: list[str]) -> None:
    r = Rules(**rules)
    cal = Calendar(r.skip_weekends, holiday_lookup(country))
    got = schedule.candidate_visit_days(datetime.fromisoformat(send_day).date(), r, cal)
    assert [d.isoformat() for d in got] == visit_days
