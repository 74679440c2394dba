"""One source record -> a validated Row: the hot path of a million-row import.

Kept apart from the reading code because every line here runs once per
row.  Two converters share one set of rules:

* ``one`` checks a single record and says exactly what is wrong with it;
* ``many`` checks a whole chunk of records column by column with C-level
  builtins (``zip``, ``map``, ``set``), about three times faster, and gives
  up (returns None) at the first thing that is not plainly valid.  The
  caller then runs ``one`` over that chunk, so every reject, message and
  row is still ``one``'s; ``many`` only ever accepts what ``one`` accepts,
  with the same result (tests/intake/test_rowcheck.py checks this on random
  records).

Date parsing is cached per distinct text: a calendar repeats the same slots
endlessly.  Times to the second (``booked_at``) hardly ever repeat: they go
through a cache per local hour instead.  Converting a wall time to UTC goes through an offset cached per
local day; on a day the clocks change, each time gets the exact check
(gap -> error, fold -> first occurrence).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import compress, product, repeat
from operator import not_
from typing import Any, Final

from smsremind.clock import NonexistentTimeError, aware, has_time_of_day, parse_wall
from smsremind.i18n import N_, Later, message_of
from smsremind.intake.encoding import NOT_TEXT
from smsremind.intake.words import Words, languages, statuses

_NOT_A_LANGUAGE = object()
_CACHE_LIMIT = 200_000
# Never in a real id or practice name: a quote there means a stray one shifted the row; a control
# or invisible character (a BOM mid-file, a flipped byte) means damage.  Either would make a new
# visit or practice out of an old one -- and --full cancel the old one.
_STRAY = re.compile('["\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]')
# A local time is its hour ``YYYY-MM-DD HH`` (checked and converted once, see WallParser.hours)
# and a tail of minutes (and seconds), copied: ":MM:SS" -> ":MM:SSZ", ":MM" -> ":MM:00Z".
_ONE_HOUR = timedelta(hours=1)
_TWO = [f"{h:02d}" for h in range(24)]
_HOUR = re.compile(r"[0-9]{4}-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]").fullmatch
_SIXTY = [f"{n:02d}" for n in range(60)]
_SECOND_TAILS: Final = {(t := f":{m}:{s}"): t + "Z" for m, s in product(_SIXTY, _SIXTY)}
_ANY_TAILS: Final = {**_SECOND_TAILS, **{f":{m}": f":{m}:00Z" for m in _SIXTY}}

# A validated row is a plain tuple, not a NamedTuple: batches may cross a process
# boundary, and pickling a NamedTuple costs three times as much per row.
# (line, practice, ext_id, start, patient, phone, doctor, status, language, booked_at)
Row = tuple[int, str, str, str, str, str, str, str, str | None, str | None]
LINE: Final = 0
PRACTICE: Final = 1
EXT_ID: Final = 2


class RowError(ValueError):
    """Why a record was rejected (the caller adds the line number).

    ``reason`` is the English text (``str(error)``, what ``import --json`` shows) that
    ``_()`` translates when the rejects are printed for people: rejects are rare, so the
    message is made only here, never for an accepted row.
    """

    def __init__(self, msgid: str, **fields: object):
        self.reason = msgid if isinstance(msgid, Later) and not fields else Later(msgid, **fields)
        super().__init__(self.reason)


class StructuralError(RowError):
    """The record does not fit the file's shape (field count): the file itself is damaged.

    Its row is rejected like any other, and a ``--full`` import of the file
    then cancels nothing: what is missing may only be unreadable.
    """


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

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self.known: dict[str, str] = {}
        self.days: dict[date, timedelta | None] = {}
        # "YYYY-MM-DD HH" -> "YYYY-MM-DDTHH" in UTC, None if minutes and seconds of that
        # local hour cannot simply be copied to UTC (its offset is not the same whole hours
        # from its first to its last second), or it is no hour.
        self.hours = _Hours(self._new_hour)

    def __call__(self, text: str, what: str) -> str:
        hit = self.known.get(text)
        if hit is None:
            hit = self._by_hour(text)
            if hit is not None:
                return hit  # not remembered: texts with seconds rarely repeat
            hit = self._parse(text, what)
            if len(self.known) >= _CACHE_LIMIT:
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
        base = None
        if _HOUR(hour):
            with suppress(ValueError, RowError):  # not a date or hour: parsed the long way, and rejected
                day = date.fromisoformat(hour[:10])
                if YEARS[0] <= day.year <= YEARS[1]:
                    base = self._base(day, hour)
        if len(self.hours) >= _CACHE_LIMIT:
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
        # All 24 hours of the day at once (a file's times fall on a few hours of many days);
        # UTC is at most a day away: offsets are whole hours within +-14 h.
        if len(self.hours) >= _CACHE_LIMIT:
            self.hours.clear()
        shift, prefix = offset // _ONE_HOUR, hour[:11]
        dates = [(day + timedelta(days=n)).isoformat() + "T" for n in (-1, 0, 1)]
        for h in range(24):
            n, utc = divmod(h - shift, 24)
            self.hours[prefix + _TWO[h]] = dates[n + 1] + _TWO[utc]
        return self.hours.get(hour)

    def many_by_hour(self, texts: Sequence[str]) -> list[str] | None:
        """:meth:`_by_hour` for a whole column, or None if any value needs the long way.

        One list comprehension of two look-ups per value (an hour not seen yet is converted
        on the way): the per-row cost of a million booking times is what an import pays most
        for them.  A KeyError is a bad tail, a TypeError an hour without a base.
        """
        hours, tails = self.hours, _SECOND_TAILS
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
            if len(known) + len(new) > _CACHE_LIMIT:
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


Convert = Callable[[int, list[Any]], Row]
ConvertMany = Callable[[Sequence[int], Sequence[list[Any]]], list[Row] | None]
# (fewest, most) fields a record may have: a header "id,start,phone," (a trailing delimiter)
# allows 3 or 4.  More than the header is never fine, not even blank ones: a row shifted by
# a stray delimiter often ends in an empty field.
Fields = tuple[int, int]


def header_fields(header: Sequence[str]) -> Fields:
    named = [i for i, name in enumerate(header) if name.strip()]
    return (named[-1] + 1 if named else 0), len(header)


def converters(
    positions: dict[str, int],
    tz: tzinfo,
    practice: str | None,
    fields: Fields | None = None,
    status_words: Words | None = None,
) -> tuple[Convert, ConvertMany]:
    """The record validators (``one``, ``many``) for fixed column positions.

    With ``fields`` (a CSV file), a record with another number of fields is a
    StructuralError; without, only a record too short for a column used is rejected.
    ``status_words``: the status words in force (built in, plus ``[import.status]``).
    """
    parse = WallParser(tz)
    words = (status_words or statuses(), languages())
    return _one(positions, parse, practice, fields, words), _many(positions, parse, practice, fields, words)


def _check_fields(r: list[Any], fields: Fields) -> None:
    n = len(r)
    if not fields[0] <= n <= fields[1]:
        raise StructuralError(
            N_("has {n} fields, the header has {header} (a stray quote or delimiter?)"), n=n, header=fields[1]
        )


def held_ids(r: list[Any]) -> list[str]:
    """What may be the id of a rejected record: its id cell, or any other cell.

    ``--full`` never cancels a visit with one of these ids, in any practice: the
    row is there, only faulty -- its columns may be shifted or swapped, and its
    practice column as faulty as the rest.
    """
    return [v for v in map(str.strip, r) if v and not NOT_TEXT.search(v)]


def _one(
    positions: dict[str, int],
    parse: WallParser,
    practice: str | None,
    fields: Fields | None,
    words: tuple[Words, Words],
) -> Convert:
    known = parse.known
    status_of, language_of = words
    i_id, i_start, i_phone = positions["id"], positions["start"], positions["phone"]
    i_patient, i_practice, i_doctor = (positions.get(c) for c in ("patient", "practice", "doctor"))
    i_status, i_language, i_booked = (positions.get(c) for c in ("status", "language", "booked_at"))

    def convert(line: int, r: list[Any]) -> Row:
        if fields is not None:
            _check_fields(r, fields)
        try:
            ext_id = r[i_id].strip()
            phone = r[i_phone].strip()
            start_text = r[i_start]
            patient = r[i_patient].strip() if i_patient is not None else ""
            where = r[i_practice].strip() if i_practice is not None else ""
            doctor = r[i_doctor].strip() if i_doctor is not None else ""
            status_text = r[i_status] if i_status is not None else ""
            lang_text = r[i_language] if i_language is not None else ""
            booked_text = r[i_booked].strip() if i_booked is not None else ""
        except IndexError:
            raise RowError(N_("has {n} fields, fewer than the header"), n=len(r)) from None
        if not ext_id:
            raise RowError(N_("{column} is empty"), column="id")
        if stray := _STRAY.search(ext_id) or _STRAY.search(where):
            column = "id" if stray.string is ext_id else "practice"
            text = N_("a stray character {char} in {column} (a damaged row?)")
            raise StructuralError(text, char=repr(stray.group()), column=column)
        if not phone:
            raise RowError(N_("{column} is empty"), column="phone")
        start = known.get(start_text) or parse(start_text, "start")  # inline: a hit costs no call
        status = status_of.get(status_text) or status_of.lookup(status_text)
        if status is None:
            raise RowError(status_of.unknown(status_text))
        language = language_of.get(lang_text) or language_of.lookup(lang_text)
        if language is None and lang_text.strip():
            raise RowError(language_of.unknown(lang_text))
        if practice and where and where != practice:
            text = N_("practice {name} differs from --practice {practice}")
            raise RowError(text, name=repr(where), practice=repr(practice))
        where = where or practice or ""
        if not where:
            raise RowError(N_("practice is empty (give --practice or set practice in the config)"))
        booked = parse(booked_text, "booked_at") if booked_text else None
        return (line, where, ext_id, start, patient, phone, doctor, status, language, booked)

    return convert


def _many(
    positions: dict[str, int],
    parse: WallParser,
    practice: str | None,
    fields: Fields | None,
    words: tuple[Words, Words],
) -> ConvertMany:
    strip = str.strip
    status_of, language_of = words
    fewest, most = fields or (max(positions.values()) + 1, sys.maxsize)
    i_id, i_start, i_phone = positions["id"], positions["start"], positions["phone"]
    i_patient, i_practice, i_doctor = (positions.get(c) for c in ("patient", "practice", "doctor"))
    i_status, i_language, i_booked = (positions.get(c) for c in ("status", "language", "booked_at"))

    def stripped(cols: list[tuple[Any, ...]], i: int | None, absent: Any) -> Iterable[Any]:
        return repeat(absent) if i is None else list(map(strip, cols[i]))

    def convert_many(lines: Sequence[int], records: Sequence[list[Any]]) -> list[Row] | None:
        """Rows for ``records`` (ending on ``lines``), or None: use ``one``."""
        lengths = set(map(len, records))
        if min(lengths) < fewest or max(lengths) > most:
            return None
        cols = list(zip(*records, strict=False))  # extra trailing fields are ignored, as by ``one``
        ids, phones = list(map(strip, cols[i_id])), list(map(strip, cols[i_phone]))
        if not all(ids) or not all(phones) or _STRAY.search("".join(ids)):
            return None
        statuses: Iterable[str | None] = repeat("scheduled")
        if i_status is not None:
            statuses = list(map(status_of.get, cols[i_status]))
            if None in statuses:
                return None
        languages: Iterable[Any] = repeat(None)
        if i_language is not None:
            languages = list(map(language_of.get, cols[i_language], repeat(_NOT_A_LANGUAGE)))
            if _NOT_A_LANGUAGE in languages:
                return None
        if i_practice is None:
            if not practice:
                return None
            wheres: Iterable[str] = repeat(practice)
        else:
            wheres = list(map(strip, cols[i_practice]))
            names = set(wheres)
            if _STRAY.search("".join(names)):
                return None
            if practice and not names <= {practice, ""}:
                return None  # a row names another practice than --practice
            if "" in names:
                if not practice:
                    return None  # a row without a practice
                wheres = [w or practice for w in wheres]
        try:
            starts = parse.many(cols[i_start], "start")
            booked: Iterable[str | None] = repeat(None)
            if i_booked is not None:
                texts = list(map(strip, cols[i_booked]))
                booked = parse.many_by_hour(texts) or [parse(t, "booked_at") if t else None for t in texts]
        except RowError:
            return None
        patients, doctors = stripped(cols, i_patient, ""), stripped(cols, i_doctor, "")
        columns = (lines, wheres, ids, starts, patients, phones, doctors, statuses, languages, booked)
        return list(zip(*columns, strict=False))  # absent columns are endless repeats

    return convert_many
