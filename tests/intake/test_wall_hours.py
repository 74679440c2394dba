"""Times to the second convert through a cache per local hour (issue 14), with the very results
of the full parser: across DST changes, in zones with half-hour offsets, and for bad values."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import pytest

from smsremind import clock
from smsremind.intake.rowcheck import RowError, WallParser


def full(tz: str, text: str) -> str | Exception:
    """What the parser says without any cache."""
    try:
        return WallParser(clock.zone(tz))._parse(text, "booked_at")
    except RowError as exc:
        return exc


def texts(rng: random.Random, days: list[str], n: int) -> list[str]:
    out = []
    for _ in range(n):
        day = datetime.fromisoformat(rng.choice(days))
        moment = day + timedelta(seconds=rng.randrange(86_400))
        out.append(f"{moment:%Y-%m-%d}{rng.choice(' T')}{moment:%H:%M:%S}")
    return out


@pytest.mark.parametrize("tz", ["Europe/Warsaw", "Europe/Prague", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_same_result_as_the_full_parse(tz: str) -> None:
    rng = random.Random(tz)
    # ordinary days and the days the clocks change (gap: an error; fold: the first occurrence)
    days = ["2026-01-15", "2026-03-29", "2026-10-25", "2026-04-05", "2026-10-04", "2026-07-01"]
    parser = WallParser(clock.zone(tz))
    for text in [*texts(rng, days, 3000), "2026-03-29 02:30:00", "2026-10-25 02:30:00"]:
        expected = full(tz, text)
        if isinstance(expected, Exception):
            with pytest.raises(RowError, match=re.escape(str(expected))):
                parser(text, "booked_at")
        else:
            assert parser(text, "booked_at") == expected, text


@pytest.mark.parametrize(
    "text", ["2026-03-01 10:60:00", "2026-03-01 10:05:61", "2026-03-01 24:00:00", "2026-03-01 1a:00:00"]
)
def test_bad_times_are_still_rejected(text: str) -> None:
    with pytest.raises(RowError, match=r"^booked_at"):
        WallParser(clock.zone("Europe/Warsaw"))(text, "booked_at")


def test_a_year_of_booking_times_costs_one_parse_per_hour() -> None:
    parser = WallParser(clock.zone("Europe/Warsaw"))
    rng = random.Random(1)
    values = texts(rng, ["2026-05-04", "2026-05-05"], 5000)
    assert [parser(t, "booked_at") for t in values] == [full("Europe/Warsaw", t) for t in values]
    assert len(parser.known) == 0 and len(parser.hours) <= 2 * 24 * 2  # two days, two separators


def test_a_column_at_once_or_not_at_all() -> None:
    parser = WallParser(clock.zone("Europe/Warsaw"))
    values = texts(random.Random(2), ["2026-03-28", "2026-10-25", "2026-06-01"], 2000)
    assert parser.many_by_hour(values) == [full("Europe/Warsaw", t) for t in values]
    for odd in ("2026-03-29 02:30:00", "2026-06-01 10:61:00", "", "2026-06-01 10:00", "2026-06-01 ١٠:00:00"):
        assert parser.many_by_hour([*values[:5], odd]) is None, odd
