"""Local wall-time text -> stored UTC text: the start and booking times of an import.

Split from :mod:`.rowcheck` (which checks the rest of a row): a million-row
import converts a million starts and as many booking times, so the cost per
value is what matters here.

* Every distinct text is parsed once (``known``): a calendar repeats its slots.
* A time whose minutes and seconds can simply be copied to UTC goes through
  its local hour (``hours``, made by arithmetic from the day's UTC offset), so
  a new text costs two look-ups and a concatenation.
  Times to the second (``booked_at``) hardly ever repeat: they are not kept.
* Anything else -- another shape, a day the clocks change, a half-hour zone --
  is parsed the long way (:meth:`WallParser._parse`), with an offset cached per
  local day; on a day the clocks change, each time gets the exact check (gap ->
  error, fold -> first occurrence).  Every way gives the very same result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import compress, product
from operator import not_
from typing import Final

from smsremind.clock import NonexistentTimeError, aware, has_time_of_day, parse_wall
from smsremind.i18n import N_, Later, message_of

_CACHE_LIMIT = 200_000
# A local time is its hour ``YYYY-MM-DD HH`` (checked and converted once, see WallParser.hours)
# and a tail of minutes (and seconds), copied: ":MM:SS" -> ":MM:SSZ", ":MM" -> ":MM:00Z".
_ONE_HOUR = timedelta(hours=1)
_TWO = [f"{h:02d}" for h in range(24)]
_HOUR = re.compile(r"[0-9]{4}-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]").fullmatch
_SIXTY = [f"{n:02d}" for n in range(60)]
_SECOND_TAILS: Final = {(t := f":{m}:{s}"): t + "Z" for m, s in product(_SIXTY, _SIXTY)}
_ANY_TAILS: Final = {**_SECOND_TAILS, **{f":{m}": f":{m}:00Z" for m in _SIXTY}}


class RowError(ValueError):
    """Why a record was rejected (the caller adds the line number).

    ``reason`` is the English text (``str(error)``, what ``import --json`` shows) that
    ``_()`` translates when the rejects are printed for people: rejects are rare, so the
    message is made only here, never for an accepted row.
    """

    def __init__(self, msgid: str, **fields: object):
        self.reason = msgid if isinstance(msgid, Later) and not fields else Later(msgid, **fields)
        super().__init__(self.reason)


# Years a visit or a booking can plausibly have; outside them a date is a typo (and the
# far ends overflow date arithmetic: 0001-01-01 00:30 in Warsaw is before datetime.min UTC).
YEARS: Final = (1900, 2199)


class _Hours(dict[str, str | None]):
    """Local hour -> its UTC base; an hour not looked up before is converted by ``new``
    (``d[hour]`` calls ``__missing__``: no test per look-up in the per-row comprehensions)."""

    def __init__(self, new: Callable[[str], str | None]):
        super().__init__()
        self.new = new

    def __missing__(self, hour: str) -> str | None:
        return self.new(hour)


class WallParser:
    """Local wall-time text -> stored UTC text ``YYYY-MM-DDTHH:MM:SSZ``.

    ``known`` maps each valid text seen so far to its result, so converters
    can look texts up without calling in here.  Invalid texts are not
    remembered: they are rare, and their message names the column.
    """

    def __init__(self, tz: tzinfo, limit: int = _CACHE_LIMIT):
        self.tz = tz
        self.limit = limit  # texts (and hours) kept at most: a free-text column must not grow them
        self.known: dict[str, str] = {}
        self.days: dict[date, timedelta | None] = {}
        # "YYYY-MM-DD HH" -> "YYYY-MM-DDTHH" in UTC, None if minutes and seconds of that
        # local hour cannot simply be copied to UTC (its offset is not the same whole hours
        # from its first to its last second), or it is no hour.
        self.hours = _Hours(self._new_hour)
        # "YYYY-MM-DD " (or "T") of a day with one whole-hour offset -> its UTC dates (the day
        # before, itself, the day after, each + "T") and its offset in hours
        self.plans: dict[str, tuple[list[str], int]] = {}

    def __call__(self, text: str, what: str) -> str:
        hit = self.known.get(text)
        if hit is None:
            hit = self._by_hour(text)
            if hit is not None:
                return hit  # not remembered: texts with seconds rarely repeat
            hit = self._parse(text, what)
            if len(self.known) >= self.limit:
                self.known.clear()
            if has_time_of_day(text):  # a bare date (booked_at) must never pass as a start
                self.known[text] = hit
        return hit

    def _by_hour(self, text: str, tails: dict[str, str] = _SECOND_TAILS) -> str | None:
        """``YYYY-MM-DD HH:MM:SS`` (a booking time, to the second: nearly every value is new;
        ``tails`` may allow ``HH:MM`` too) converted through its hour (see :attr:`hours`):
        minutes and seconds are copied.  None: parse it the long way (another shape, a bad
        minute, an hour the clocks skip or shift by 30 min)."""
        tail = tails.get(text[13:])
        if tail is None:
            return None
        base = self.hours[text[:13]]
        return None if base is None else base + tail

    def _new_hour(self, hour: str) -> str | None:
        """:attr:`hours` of an hour not looked up before (then remembered, valid or not)."""
        plan, local = self.plans.get(hour[:11]), hour[11:]
        if plan is not None and len(local) == 2 and local.isascii() and local.isdigit() and local < "24":
            dates, shift = plan  # a day seen before: arithmetic only
            n, utc = divmod(int(local) - shift, 24)
            base: str | None = dates[n + 1] + _TWO[utc]
        else:
            base = None
            if _HOUR(hour):
                with suppress(ValueError, RowError):  # not a date or hour: parsed the long way, and rejected
                    day = date.fromisoformat(hour[:10])
                    if YEARS[0] <= day.year <= YEARS[1]:
                        base = self._base(day, hour)
        if len(self.hours) >= self.limit:
            self.hours.clear()
        self.hours[hour] = base
        return base

    def _base(self, day: date, hour: str) -> str | None:
        """The UTC ``YYYY-MM-DDTHH`` of ``hour`` on ``day``, as :meth:`_parse` would make it."""
        if day not in self.days:
            self.days[day] = self._day_offset(day)
        offset = self.days[day]
        if offset is None:  # the clocks change this day: the same offset at both ends of the hour?
            first = self._parse(hour + ":00:00", "")
            same = first.endswith(":00:00Z") and self._parse(hour + ":59:59", "") == first[:13] + ":59:59Z"
            return first[:13] if same else None
        if offset % _ONE_HOUR:  # minutes and seconds do not carry over (a half-hour zone)
            return None
        # The day's plan: its three dates in UTC and its offset in hours (whole hours within
        # +-14 h: UTC is at most a day away); its other hours then cost arithmetic only.
        if len(self.plans) >= self.limit:
            self.plans.clear()
        dates = [(day + timedelta(days=n)).isoformat() + "T" for n in (-1, 0, 1)]
        self.plans[hour[:11]] = (dates, offset // _ONE_HOUR)
        return self._new_hour(hour) if int(hour[11:13]) < 24 else None

    def many_by_hour(self, texts: Sequence[str], tails: dict[str, str] = _SECOND_TAILS) -> list[str] | None:
        """:meth:`_by_hour` for a whole column, or None if any value needs the long way.

        One list comprehension of two look-ups per value (an hour not seen yet is converted
        on the way): the per-row cost of a million booking times is what an import pays most
        for them.  A KeyError is a bad tail, a TypeError an hour without a base.  ``tails``:
        to the second (booking times), or ``_ANY_TAILS`` to the minute too (starts).
        """
        hours = self.hours
        try:
            return [hours[t[:13]] + tails[t[13:]] for t in texts]  # type: ignore[operator]
        except (KeyError, TypeError):
            return None

    def _through_hours(self, texts: list[str]) -> list[str | None]:
        """:meth:`_by_hour` (to the minute or second) of each of ``texts``, None where it cannot."""
        hours, tails = self.hours, _ANY_TAILS
        return [b + e if (e := tails.get(t[13:])) and (b := hours[t[:13]]) else None for t in texts]

    def many(self, texts: Sequence[str], what: str) -> list[str]:
        """The result for each of ``texts``, in order; RowError for the first invalid one."""
        known = self.known
        found = list(map(known.get, texts))
        if None in found:
            new = list(set(compress(texts, map(not_, found))))
            if len(new) * 4 > len(texts):  # mostly new texts (a long span of slots): not kept
                through = self.many_by_hour(texts, _ANY_TAILS)
                if through is not None:
                    return through
            if len(known) + len(new) > self.limit:
                known.clear()
                new = list(set(texts))  # this chunk's hits are gone too
            # most are plain "YYYY-MM-DD HH:MM": converted through their hour, the rest parsed
            hits = self._through_hours(new)
            if None in hits:
                hits = [hit or self._parse(text, what) for text, hit in zip(new, hits, strict=True)]
            known.update(zip(new, hits, strict=True))  # type: ignore[arg-type]  # no None is left
            found = list(map(known.__getitem__, texts))
        return found  # type: ignore[return-value]  # no None is left

    def _parse(self, text: str, what: str) -> str:
        stripped = text.strip()
        if not stripped:
            raise RowError(N_("{column} is empty"), column=what)
        try:
            try:
                wall = datetime.fromisoformat(stripped)
            except ValueError:
                wall = parse_wall(stripped)
            if not YEARS[0] <= wall.year <= YEARS[1]:
                raise ValueError(
                    Later(N_("{text}: year {year} is out of range ({low}-{high})"), **_years(stripped, wall))
                )
            if what == "start" and not has_time_of_day(stripped):
                raise ValueError(
                    Later(
                        N_("{text} has no time of day (a separate time column: --map time=NAME)"),
                        text=repr(stripped),
                    )
                )
            if wall.tzinfo is not None:  # an explicit offset: an instant, not a wall time
                return wall.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
            return (wall - self._offset(wall)).isoformat(timespec="seconds") + "Z"
        except (ValueError, OverflowError) as exc:
            raise RowError(N_("{column} {problem}"), column=what, problem=message_of(exc)) from None

    def _offset(self, wall: datetime) -> timedelta:
        day = wall.date()
        if day not in self.days:
            self.days[day] = self._day_offset(day)
        offset = self.days[day]
        if offset is None:  # the clocks change this day: check the exact time
            return aware(wall, self.tz).utcoffset() or timedelta()
        return offset

    def _day_offset(self, day: date) -> timedelta | None:
        """The UTC offset valid all day, or None on a day the clocks change."""
        try:
            first = aware(datetime.combine(day, time()), self.tz).utcoffset()
            last = aware(datetime.combine(day, time(23, 59, 59)), self.tz).utcoffset()
        except NonexistentTimeError:
            return None
        return first if first == last else None


def _years(text: str, wall: datetime) -> dict[str, object]:
    return {"text": repr(text), "year": wall.year, "low": YEARS[0], "high": YEARS[1]}
