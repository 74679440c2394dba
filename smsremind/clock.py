"""Time at the boundary: parsing `--now`, wall time <-> UTC, storage format.

Policy (SPEC §1, §8):
* Every instant stored in the database is UTC text ``YYYY-MM-DDTHH:MM:SSZ``,
  so rows sort and compare as text and never depend on the config's zone.
* Wall times from users (``--now``, CSV cells) are local to the configured
  zone.  A wall time inside the spring-forward gap does not exist and is an
  error; one inside the repeated autumn hour means its first occurrence
  (``fold=0``).
* Pure code (schedule, planner) receives aware datetimes and never reads the
  clock; only :func:`current` does.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smsremind.errors import InvalidInputError
from smsremind.i18n import N_, Later, _, message_of

STORE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
NOW_ENV = "SMSREMIND_NOW"

_WALL = re.compile(
    r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\.(\d{1,2})\.(\d{4}))"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*$"
)


# What datetime() says about an impossible date or time, translated when shown.
_DATETIME = {
    text: text
    for text in (
        N_("day is out of range for month"),
        N_("month must be in 1..12"),
        N_("hour must be in 0..23"),
        N_("minute must be in 0..59"),
        N_("second must be in 0..59"),
    )
}


class NonexistentTimeError(ValueError):
    """A wall time that the zone skips (spring-forward gap)."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(_("unknown time zone {name}").format(name=repr(name))) from exc


def parse_wall(text: str) -> datetime:
    """Parse ``YYYY-MM-DD[ HH:MM[:SS]]`` or ``DD.MM.YYYY[ HH:MM]`` to a naive datetime.

    The ValueError's message is :class:`~smsremind.i18n.Later`: it may become a rejected row's
    reason, English in ``import --json`` and translated when printed.
    """
    m = _WALL.match(text)
    if not m:
        what = N_("{text} is not a date and time (YYYY-MM-DD HH:MM or DD.MM.YYYY HH:MM)")
        raise ValueError(Later(what, text=repr(text.strip())))
    y, mo, d = (m[1], m[2], m[3]) if m[1] else (m[6], m[5], m[4])
    hh, mm, ss = int(m[7] or 0), int(m[8] or 0), int(m[9] or 0)
    try:
        return datetime(int(y), int(mo), int(d), hh, mm, ss)
    except ValueError as exc:
        what = N_("{text} is not a valid date and time ({error})")
        error = Later(_DATETIME[str(exc)]) if str(exc) in _DATETIME else str(exc)
        raise ValueError(Later(what, text=repr(text.strip()), error=error)) from None


def aware(wall: datetime, tz: tzinfo) -> datetime:
    """Attach the zone to a naive wall time: gap -> error, fold -> first occurrence."""
    local = wall.replace(tzinfo=tz, fold=0)
    back = local.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != wall:
        what = N_("{time} does not exist in {zone} (clocks jump forward)")
        raise NonexistentTimeError(Later(what, time=f"{wall:%Y-%m-%d %H:%M}", zone=str(tz)))
    return local


def to_store(moment: datetime) -> str:
    """Aware datetime -> stored UTC text."""
    return moment.astimezone(UTC).strftime(STORE_FORMAT)


@lru_cache(maxsize=65536)
def _from_store_utc(text: str) -> datetime:
    # fromisoformat is C code (strptime is Python): planning reads thousands of these a run
    if len(text) == 20 and text[10] == "T" and text[19] == "Z":
        return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
    return datetime.strptime(text, STORE_FORMAT).replace(tzinfo=UTC)


def from_store(text: str, tz: tzinfo) -> datetime:
    """Stored UTC text -> aware datetime in ``tz``."""
    return _from_store_utc(text).astimezone(tz)


def day_start(day: date, tz: tzinfo) -> datetime:
    """First instant of a local calendar day (midnight may itself be in a gap)."""
    try:
        return aware(datetime.combine(day, time()), tz)
    except NonexistentTimeError:
        return aware(datetime.combine(day, time(1)), tz)


def day_bounds_store(first: date, last: date, tz: tzinfo) -> tuple[str, str]:
    """Stored-text bounds [start of ``first``, start of the day after ``last``)."""
    if last >= date.max:  # a visit on 9999-12-31 (stored before years were checked): no day after
        return to_store(day_start(first, tz)), "9999-99"  # above every stored time
    return to_store(day_start(first, tz)), to_store(day_start(last + timedelta(days=1), tz))


def parse_now(text: str, tz: tzinfo) -> datetime:
    """`--now "YYYY-MM-DD HH:MM"` in the configured zone -> aware datetime."""
    try:
        return aware(parse_wall(text), tz)
    except ValueError as exc:
        raise InvalidInputError(_("--now: {problem}").format(problem=_(message_of(exc)))) from None


def current(tz: tzinfo, override: str | None = None) -> datetime:
    """The command's notion of now: ``--now``, else $SMSREMIND_NOW, else the clock.

    An empty ``--now ""`` is an error, not the clock: a script whose variable
    came out empty must not silently run at the real time.
    """
    if override is not None:
        return parse_now(override, tz)
    text = os.environ.get(NOW_ENV)
    if text:
        return parse_now(text, tz)
    return datetime.now(tz)


def fmt_local(moment: datetime) -> str:
    """The JSON/human format of SPEC §9: ``YYYY-MM-DD HH:MM`` local wall time."""
    return moment.strftime("%Y-%m-%d %H:%M")


_DAY = re.compile(r"^\s*(?:(\d{4})-(\d{2})-(\d{2})|(\d{1,2})\.(\d{1,2})\.(\d{4}))\s*$")
# A time of day after the date: "2026-12-07 09:00", "2026-12-07T09", "20261207T0900".
_TIME_PART = re.compile(r"\d[ T]+\d")


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY`` (as ``--now`` takes it) -> date."""
    m = _DAY.match(text)
    try:
        if not m:
            raise ValueError
        y, mo, d = (m[1], m[2], m[3]) if m[1] else (m[6], m[5], m[4])
        day = date(int(y), int(mo), int(d))
    except ValueError:
        problem = _("{text} is not a date (YYYY-MM-DD or DD.MM.YYYY)")
        raise InvalidInputError(problem.format(text=repr(text))) from None
    if not 1900 <= day.year <= 2199:  # the years an import accepts; the far ends overflow day arithmetic
        problem = _("{text}: year {year} is out of range ({low}-{high})")
        raise InvalidInputError(problem.format(text=repr(text), year=day.year, low=1900, high=2199))
    return day


def has_time_of_day(text: str) -> bool:
    """Whether a date text that parsed carries a time after its date (not just midnight by default)."""
    return _TIME_PART.search(text) is not None
