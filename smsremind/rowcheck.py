"""One source record -> a validated Row: the hot path of a million-row import.

Kept apart from the reading code because every line here runs once per
row.  The converter is built once per file with the column positions bound
as constants, cells are read inline (a helper call per cell costs more than
the work), and date parsing is cached per distinct text: a calendar repeats
the same slots endlessly.  Converting a wall time to UTC goes through an
offset cached per local hour; an hour that contains a DST change falls back
to the exact check (gap -> error, fold -> first occurrence).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

from smsremind.clock import NonexistentTimeError, aware, parse_wall

STATUSES = {"": "scheduled", "scheduled": "scheduled", "cancelled": "cancelled", "canceled": "cancelled"}
LANGUAGES = {"pl": "pl", "cs": "cs", "cz": "cs", "en": "en"}
_CACHE_LIMIT = 200_000
_new_row = tuple.__new__


class Row(NamedTuple):
    line: int
    practice: str
    ext_id: str
    start: str  # stored UTC text
    patient: str
    phone: str
    doctor: str
    status: str
    language: str | None
    booked_at: str | None


class RowError(ValueError):
    """Why a record was rejected (the caller adds the line number)."""


class WallParser:
    """Local wall-time text -> stored UTC text ``YYYY-MM-DDTHH:MM:SSZ``."""

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self.cache: dict[str, str | RowError] = {}
        self.hours: dict[tuple[int, int, int, int], timedelta | None] = {}

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
        key = (wall.year, wall.month, wall.day, wall.hour)
        if key not in self.hours:
            self.hours[key] = self._hour_offset(wall.replace(minute=0, second=0, microsecond=0))
        offset = self.hours[key]
        if offset is None:  # this hour holds a DST change: check the exact time
            return aware(wall, self.tz).utcoffset() or timedelta()
        return offset

    def _hour_offset(self, hour: datetime) -> timedelta | None:
        """The UTC offset valid for the whole hour, or None if it changes inside it."""
        try:
            first = aware(hour, self.tz).utcoffset()
            last = aware(hour + timedelta(minutes=59, seconds=59), self.tz).utcoffset()
        except NonexistentTimeError:
            return None
        return first if first == last else None


def converter(positions: dict[str, int], tz: tzinfo, practice: str | None) -> Callable[[int, list[Any]], Row]:
    """The per-record validator for fixed column positions."""
    parse = WallParser(tz)
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
        start = parse(start_text, "start")
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
        return _new_row(Row, (line, where, ext_id, start, patient, phone, doctor, status, language, booked))

    return convert
