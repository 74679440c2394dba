"""One source record -> a validated Row: the hot path of a million-row import.

Kept apart from the reading code because every line here runs once per
row.  The converter is built once per file with the column positions bound
as constants, cells are read inline (a helper call per cell costs more than
the work), and date parsing is cached per distinct text: a calendar repeats
the same slots endlessly.  Converting a wall time to UTC goes through an
offset cached per local day; on a day the clocks change, each time gets the
exact check (gap -> error, fold -> first occurrence).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final

from smsremind.clock import NonexistentTimeError, aware, parse_wall

STATUSES = {"": "scheduled", "scheduled": "scheduled", "cancelled": "cancelled", "canceled": "cancelled"}
LANGUAGES = {"pl": "pl", "cs": "cs", "cz": "cs", "en": "en"}
_CACHE_LIMIT = 200_000

# A validated row is a plain tuple, not a NamedTuple: batches may cross a process
# boundary, and pickling a NamedTuple costs three times as much per row.
# (line, practice, ext_id, start, patient, phone, doctor, status, language, booked_at)
Row = tuple[int, str, str, str, str, str, str, str, str | None, str | None]
LINE: Final = 0
PRACTICE: Final = 1
EXT_ID: Final = 2


class RowError(ValueError):
    """Why a record was rejected (the caller adds the line number)."""


class WallParser:
    """Local wall-time text -> stored UTC text ``YYYY-MM-DDTHH:MM:SSZ``.

    ``cache`` maps each distinct text to its result (or its RowError), so a
    converter can look a hit up inline without calling in here.
    """

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self.cache: dict[str, str | RowError] = {}
        self.days: dict[date, timedelta | None] = {}

    def __call__(self, text: str, what: str) -> str:
        hit = self.cache.get(text)
        if hit is None:
            hit = self._parse(text, what)
            if len(self.cache) >= _CACHE_LIMIT:
                self.cache.clear()
            self.cache[text] = hit
        if type(hit) is RowError:
            raise hit
        return hit  # type: ignore[return-value]

    def _parse(self, text: str, what: str) -> str | RowError:
        stripped = text.strip()
        if not stripped:
            return RowError(f"{what} is empty")
        try:
            try:
                wall = datetime.fromisoformat(stripped)
            except ValueError:
                wall = parse_wall(stripped)
            if wall.tzinfo is not None:  # an explicit offset: an instant, not a wall time
                return wall.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
            return (wall - self._offset(wall)).isoformat(timespec="seconds") + "Z"
        except ValueError as exc:
            return RowError(f"{what} {exc}")

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


def converter(positions: dict[str, int], tz: tzinfo, practice: str | None) -> Callable[[int, list[Any]], Row]:
    """The per-record validator for fixed column positions."""
    parse = WallParser(tz)
    known = parse.cache
    i_id, i_start, i_phone = positions["id"], positions["start"], positions["phone"]
    i_patient, i_practice, i_doctor = (positions.get(c) for c in ("patient", "practice", "doctor"))
    i_status, i_language, i_booked = (positions.get(c) for c in ("status", "language", "booked_at"))

    def convert(line: int, r: list[Any]) -> Row:
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
            raise RowError(f"has {len(r)} fields, fewer than the header") from None
        if not ext_id:
            raise RowError("id is empty")
        if not phone:
            raise RowError("phone is empty")
        hit = known.get(start_text)  # inline: a cached result costs no call
        start = hit if type(hit) is str else parse(start_text, "start")
        status = STATUSES.get(status_text) or STATUSES.get(status_text.strip().lower())
        if status is None:
            raise RowError(f"status {status_text.strip()!r} is not scheduled or cancelled")
        language = LANGUAGES.get(lang_text) or LANGUAGES.get(lang_text.strip().lower())
        if language is None and lang_text.strip():
            raise RowError(f"language {lang_text.strip()!r} is not pl, cs or en")
        if practice and where and where != practice:
            raise RowError(f"practice {where!r} differs from --practice {practice!r}")
        where = where or practice or ""
        if not where:
            raise RowError("practice is empty (give --practice or set practice in the config)")
        booked = parse(booked_text, "booked_at") if booked_text else None
        return (line, where, ext_id, start, patient, phone, doctor, status, language, booked)

    return convert
