"""iCalendar ``.ics`` diaries (Google Calendar, Reservio, reenio) as raw records.

Each visit becomes the record a CSV export would give, with the columns
``id, start, phone, patient, status``, and from there the one validation
path of :mod:`.rowcheck` takes over:

* ``id``: the event's ``UID``; an occurrence of a recurring event adds its
  recurrence instant, ``UID/20261208T080000Z``;
* ``start``: ``DTSTART``.  A time in the configured zone (or floating) goes
  on as a wall time, so the DST rules of every import apply (a time in the
  spring gap is rejected, the repeated autumn hour means its first
  occurrence); a time in another zone or the second pass of the autumn
  hour goes on with its UTC offset, an exact instant; an all-day event is a
  bare date, rejected for having no time of day;
* ``status``: ``STATUS:CANCELLED`` is cancelled, anything else scheduled;
* ``patient``: ``SUMMARY`` (less the phone number, when it was written there);
* ``phone``: the first valid number in ``DESCRIPTION``, ``LOCATION``,
  ``SUMMARY``, else an ``ATTENDEE``'s ``tel:``; none leaves the phone empty
  and the visit is rejected for it.

Google's feeds give UTC or floating times plus ``X-WR-TIMEZONE``:
``x-wr-timezone`` turns them into that zone.  Recurring visits are expanded
by ``recurring-ical-events`` for the next 90 days.

Reading streams: a first pass notes the calendar's properties, its time
zones and which UIDs recur; the second hands over one event at a time, and
only the (few) recurring series are held until the end to be expanded.
Records are numbered in the order they come (``event N``): plain events in
file order, then occurrences by start.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from smsremind.clock import NonexistentTimeError, aware
from smsremind.errors import ImportFileError
from smsremind.i18n import N_, _
from smsremind.intake.importer import Source

HEADER = ["id", "start", "phone", "patient", "status"]
HORIZON = timedelta(days=90)
_RECURRING = {"RRULE", "RDATE", "RECURRENCE-ID"}
_PHONEISH = re.compile(r"(?:\+|\b00)?\d[\d \-./()]{5,}\d")
_SEPARATORS = " \t,;:-–/()|"
# The properties a visit is read from; the rest (DTSTAMP, DTEND, alarms, X-…) is not parsed at all:
# parsing is most of the cost of a calendar import.
_NEEDED = {"UID", "DTSTART", "SUMMARY", "DESCRIPTION", "LOCATION", "STATUS", "ATTENDEE"}


@dataclass
class _Scan:
    """What the first pass learns: calendar properties, zones, recurring UIDs."""

    head: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    recurring: set[str] = field(default_factory=set)
    events: int = 0


def open_ics(path: Path, now: datetime, zone: str, region: str) -> Source:
    scan = _scan(path)
    if not scan.events:
        raise ImportFileError(
            _("{path}: no events (VEVENT) in this calendar; nothing to import").format(path=path)
        )
    import icalendar  # imported here: loading it takes a moment, and CSV imports do not need it

    try:  # parsing the zones registers them for the events' TZID parameters
        icalendar.Calendar.from_ical(
            "\r\n".join(["BEGIN:VCALENDAR", *scan.head, *scan.zones, "END:VCALENDAR"])
        )
    except ValueError as exc:
        text = _("{path}: cannot read this calendar's time zones ({error})")
        raise ImportFileError(text.format(path=path, error=exc)) from None
    count = [0]
    reader = _Reader(path, scan, now, ZoneInfo(zone), region)

    def records() -> Iterator[list[str]]:
        for record in reader.records():
            count[0] += 1
            yield record

    return Source(str(path), list(HEADER), records(), lambda: count[0], label=N_("event"))


def _lines(path: Path) -> Iterator[str]:
    """Unfolded content lines (RFC 5545 §3.1: a line starting with a space or tab continues the last)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            last = None
            for raw in fh:
                line = raw.rstrip("\r\n")
                if line[:1] in (" ", "\t") and last is not None:
                    last += line[1:]
                    continue
                if last is not None:
                    yield last
                last = line
            if last is not None:
                yield last
    except OSError as exc:
        raise ImportFileError(
            _("{path}: cannot read: {error}").format(path=path, error=exc.strerror)
        ) from None
    except UnicodeDecodeError:
        raise ImportFileError(_("{path}: not an iCalendar file (not UTF-8 text)").format(path=path)) from None


def _own(lines: list[str]) -> list[tuple[str, str]]:
    """(name, line) of a component's own properties: not those of nested ones (an alarm's UID)."""
    own, depth = [], 0
    for line in lines[1:-1]:
        name = _name(line)
        if name == "BEGIN":
            depth += 1
        elif name == "END":
            depth -= 1
        elif not depth:
            own.append((name, line))
    return own


def _uid(own: list[tuple[str, str]]) -> str:
    return next((line.split(":", 1)[1].strip() for name, line in own if name == "UID"), "")


def _needed(lines: list[str], own: list[tuple[str, str]]) -> list[str]:
    """An event's BEGIN/END and its own properties in _NEEDED."""
    return [lines[0], *(line for name, line in own if name in _NEEDED), lines[-1]]


def _name(line: str) -> str:
    return line.split(":", 1)[0].split(";", 1)[0].upper()


def _blocks(path: Path) -> Iterator[tuple[str, list[str]]]:
    """("HEAD", [line]) for calendar properties, (component name, its lines) for each component."""
    lines = _lines(path)
    first = next(lines, "").strip()
    if first.upper() != "BEGIN:VCALENDAR":
        text = _("{path}: not an iCalendar file (it does not start with BEGIN:VCALENDAR)")
        raise ImportFileError(text.format(path=path))
    block: list[str] = []
    depth = 0
    for line in lines:
        name = _name(line)
        if name == "BEGIN":
            depth += 1
        if depth:
            block.append(line)
        elif line.strip() and name != "END":
            yield "HEAD", [line]
        if name == "END" and depth:
            depth -= 1
            if not depth:
                yield block[0].split(":", 1)[-1].strip().upper(), block
                block = []


def _scan(path: Path) -> _Scan:
    scan = _Scan()
    for kind, lines in _blocks(path):
        if kind == "HEAD":
            scan.head += lines
        elif kind == "VTIMEZONE":
            scan.zones += lines
        elif kind == "VEVENT":
            scan.events += 1
            own = _own(lines)
            if any(name in _RECURRING for name, _line in own):
                scan.recurring.add(_uid(own))
    return scan


class _Reader:
    def __init__(self, path: Path, scan: _Scan, now: datetime, tz: ZoneInfo, region: str):
        self.path, self.scan, self.now, self.tz, self.region = path, scan, now, tz, region
        self.wr_zone = _wr_zone(scan.head)

    def records(self) -> Iterator[list[str]]:
        import icalendar

        series: list[str] = []
        for kind, lines in _blocks(self.path):
            if kind != "VEVENT":
                continue
            own = _own(lines)
            uid = _uid(own)
            if uid in self.scan.recurring:
                series += lines
                continue
            try:
                event = icalendar.Event.from_ical("\r\n".join(_needed(lines, own)))
            except ValueError as exc:
                text = _("{path}: event {uid} is not valid iCalendar ({error})")
                raise ImportFileError(text.format(path=self.path, uid=repr(uid), error=exc)) from None
            yield self._record(event, "")
        if series:
            yield from self._occurrences(series)

    def _occurrences(self, series: list[str]) -> Iterator[list[str]]:
        """The recurring visits of the next 90 days, by start."""
        import icalendar
        import recurring_ical_events
        import x_wr_timezone

        text = "\r\n".join(["BEGIN:VCALENDAR", *self.scan.head, *self.scan.zones, *series, "END:VCALENDAR"])
        try:
            calendar = x_wr_timezone.to_standard(icalendar.Calendar.from_ical(text))
            found = recurring_ical_events.of(calendar).between(self.now, self.now + HORIZON)
        except Exception as exc:  # a broken RRULE fails inside either library
            text = _("{path}: cannot expand the recurring events ({error})")
            raise ImportFileError(text.format(path=self.path, error=exc)) from None
        found.sort(key=lambda e: _instant(e.get("DTSTART").dt, self.tz))
        for event in found:
            yield self._record(event, _recurrence_key(event.get("RECURRENCE-ID") or event.get("DTSTART")))

    def _record(self, event: Any, recurrence: str) -> list[str]:
        uid = str(event.get("UID", "")).strip()
        start = event.get("DTSTART")
        when = getattr(start, "dt", None)
        # An unreadable DTSTART goes on as written: the start check says why.
        start_text = str(start or "") if when is None else _start_text(self._wr(when), self.tz)
        summary = str(event.get("SUMMARY", "")).strip()
        phone, patient = _phone_and_patient(event, summary, self.region)
        cancelled = str(event.get("STATUS", "")).strip().upper() == "CANCELLED"
        ext_id = f"{uid}/{recurrence}" if uid and recurrence else uid
        return [ext_id, start_text, phone, patient, "cancelled" if cancelled else ""]

    def _wr(self, when: date) -> date:
        """What x-wr-timezone does for a single event: a floating time is in X-WR-TIMEZONE."""
        if self.wr_zone and isinstance(when, datetime) and when.tzinfo is None:
            return when.replace(tzinfo=self.wr_zone)
        return when


def _wr_zone(head: list[str]) -> tzinfo | None:
    for line in head:
        if _name(line) == "X-WR-TIMEZONE":
            try:
                return ZoneInfo(line.split(":", 1)[1].strip())
            except (ValueError, KeyError):
                return None
    return None


def _start_text(when: date, tz: ZoneInfo) -> str:
    """DTSTART as start text (see the module docstring for wall time vs instant)."""
    if not isinstance(when, datetime):
        return when.isoformat()  # all-day
    if when.tzinfo is None:
        return when.isoformat(" ")
    wall = when.replace(tzinfo=None)
    own = when.tzinfo
    if wall.replace(tzinfo=own).astimezone(UTC).astimezone(own).replace(tzinfo=None) != wall:
        return wall.isoformat(" ")  # inside its zone's spring gap: rejected like a CSV start
    try:
        same = aware(wall, tz) == when
    except NonexistentTimeError:
        same = False
    return wall.isoformat(" ") if same else when.isoformat()


def _instant(when: date, tz: ZoneInfo) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=tz)
    return datetime.combine(when, datetime.min.time(), tz)


def _recurrence_key(prop: Any) -> str:
    when = prop.dt
    if isinstance(when, datetime):
        if when.tzinfo is None:
            return when.strftime("%Y%m%dT%H%M%S")
        return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return when.strftime("%Y%m%d")


def _phone_and_patient(event: Any, summary: str, region: str) -> tuple[str, str]:
    for key in ("DESCRIPTION", "LOCATION", "SUMMARY"):
        found = first_phone(str(event.get(key, "")), region)
        if found:
            patient = summary.replace(found, " ").strip(_SEPARATORS) if key == "SUMMARY" else summary
            return found, " ".join(patient.split())
    attendees = event.get("ATTENDEE", [])
    for who in attendees if isinstance(attendees, list) else [attendees]:
        text = str(who).strip()
        if text.lower().startswith("tel:"):
            return text[4:].strip(), summary
    return "", summary


def first_phone(text: str, region: str) -> str:
    """The first valid phone number written in ``text``, as written; "" if none."""
    for m in _PHONEISH.finditer(text):
        if _valid(m.group().strip(), region):
            return m.group().strip()
    return ""


@lru_cache(maxsize=65536)
def _valid(candidate: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(candidate, region or None))
    except phonenumbers.NumberParseException:
        return False
