"""Start times of a chunk convert through a table per local day (the import's hot path), with
the very results and errors of the full parser: in every zone, on the days the clocks change,
for both separators, to the minute or the second, and when the caches overflow."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import pytest

from smsremind import clock
from smsremind.intake.walltime import RowError, WallParser

ZONES = ["Europe/Warsaw", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Kiritimati"]
HALF_HOURS = ("Asia/Kolkata", "Australia/Lord_Howe")  # +05:30; +10:30 in winter, a half-hour DST
# ordinary days, the days the clocks change in the zones above, New Year (UTC on the day before)
DAYS = ["2026-01-01", "2026-03-08", "2026-03-29", "2026-04-05", "2026-07-01", "2026-10-04", "2026-10-25",
        "2026-11-01", "2026-12-31"]  # fmt: skip
ODD = [
    "2026-03-29 02:30", "2026-10-25 02:30", "2026-03-08 02:15", "2026-02-30 10:00",
    "2026-01-05 24:00", "2026-07-01 24:00", "2026-07-01 1a:00", "2026-07-01 ١٠:00",
    "2026-01-05 10:60", "1899-12-31 10:00", "2026-01-05", "2026-01-05 ١٠:00", " 2026-01-05 10:15 ",
    "05.01.2026 10:15", "2026-01-05T10:15:30", "2026-01-05 10:15+02:00",
]  # fmt: skip


def full(tz: str, text: str) -> str | RowError:
    """What the parser says without any cache."""
    try:
        return WallParser(clock.zone(tz))._parse(text, "start")
    except RowError as exc:
        return exc


def starts(rng: random.Random, n: int, tz: str = "Europe/Warsaw") -> list[str]:
    """``n`` valid starts (times the clocks skip are left out: they are in ODD)."""
    out: list[str] = []
    while len(out) < n:
        moment = datetime.fromisoformat(rng.choice(DAYS)) + timedelta(minutes=rng.randrange(1440))
        seconds = f":{rng.randrange(60):02d}" if rng.random() < 0.2 else ""
        text = f"{moment:%Y-%m-%d}{rng.choice(' T')}{moment:%H:%M}{seconds}"
        if not isinstance(full(tz, text), RowError):
            out.append(text)
    return out


def one_by_one(parser: WallParser, texts: list[str]) -> list[str | RowError]:
    """``many`` of a single text at a time: the error of a bad one, or its result."""
    out: list[str | RowError] = []
    for text in texts:
        try:
            out.append(parser.many([text], "start")[0])
        except RowError as exc:
            out.append(exc)
    return out


@pytest.mark.parametrize("tz", ZONES)
def test_a_chunk_of_starts_converts_as_the_full_parser_does(tz: str) -> None:
    texts = starts(random.Random(tz), 4000, tz)
    parser = WallParser(clock.zone(tz))
    assert parser.many(texts, "start") == [full(tz, t) for t in texts]
    assert len(parser.days) <= len(DAYS) + 2  # one offset per day, not one parse per hour or value


@pytest.mark.parametrize("tz", ZONES)
def test_repeated_slots_are_remembered_and_a_span_of_new_ones_is_not(tz: str) -> None:
    """A diary's chunk repeats a few slots (kept: the next chunk finds them); a chunk of
    mostly new texts (ten years of slots) goes through the hours without filling the cache."""
    rng = random.Random(tz + "slots")
    slots = starts(rng, 40, tz)
    diary = [rng.choice(slots) for _ in range(1000)]
    parser = WallParser(clock.zone(tz))
    assert parser.many(diary, "start") == [full(tz, t) for t in diary]
    assert set(parser.known) == set(diary)
    span = starts(rng, 1000, tz)
    assert parser.many(span, "start") == [full(tz, t) for t in span]
    if tz not in HALF_HOURS:  # there an hour cannot be copied: parsed the long way, and kept
        assert set(parser.known) == set(diary)
    assert parser.many(diary[:10] + span[:2], "start") == [full(tz, t) for t in diary[:10] + span[:2]]


@pytest.mark.parametrize("tz", ZONES)
def test_odd_starts_get_the_full_parsers_result_or_error(tz: str) -> None:
    parser = WallParser(clock.zone(tz))
    parser.many(starts(random.Random(1), 500, tz), "start")  # their days' hours already known
    for got, expected in zip(one_by_one(parser, ODD), (full(tz, t) for t in ODD), strict=True):
        if isinstance(expected, RowError):
            assert isinstance(got, RowError) and str(got) == str(expected)
        else:
            assert got == expected
    with pytest.raises(RowError, match=re.escape(str(full(tz, "2026-01-05 24:00")))):
        parser.many([*starts(random.Random(2), 50, tz), "2026-01-05 24:00"], "start")


def test_overflowing_caches_change_no_result() -> None:
    parser = WallParser(clock.zone("Europe/Warsaw"), limit=40)
    rng = random.Random(3)
    for _ in range(30):
        texts = starts(rng, 100)
        assert parser.many(texts, "start") == [full("Europe/Warsaw", t) for t in texts]
        booked = [f"{t[:16]}:{rng.randrange(60):02d}" for t in texts]
        expected = [full("Europe/Warsaw", t) for t in booked]
        assert parser.many_by_hour(booked) in (None, expected)
        assert len(parser.known) <= 100 and len(parser.hours) <= 40 + 48
