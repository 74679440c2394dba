"""Which reminder groups can give a run something to do now (issue 14: the idle tick).

A run acts on due, skipped and expired outcomes only; a message that is merely
``planned`` is recomputed by the next run anyway.  Most of what a run reads
before the sending window opens is tomorrow's visits, none of them due: this
module finds, from a few columns per visit, the groups whose outcome can only
be "planned" (or nothing at all), so that the planner builds and plans only
the others.  The cost of an idle tick then follows what is due, not what is
booked.

A group (practice, number, visit date: the planner's grouping) is *quiet* when

* every visit in it already had its reminder attempted: the planner gives such
  a group no outcome; or
* no visit in it had one, and each of them has a stored usable number that is
  not opted out, was booked at or before its send time T (so its reminder is
  T whatever the booking, see :func:`schedule.send_time_if_booked_by`), and T
  is still ahead of now: the group's message is then "planned".

Everything else - a number not classified yet (the full plan stores its
class), a skip, a late booking, a partly attempted group (``covered``), a
message due or expired - is *loud* and planned in full, exactly as before.
The test is one-sided: a loud group may still turn out to be merely planned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from smsremind.clock import from_store, to_store
from smsremind.intake.phones import from_class_text
from smsremind.rules import schedule
from smsremind.rules.messages import aware_lenient

# What the planner needs of a visit to triage it: a row of this query's columns.
COLUMNS = "id, practice, phone, phone_class, start, booked_at"
Row = tuple[int, str, str, str | None, str, str]

# What a group has seen, as bits: it is quiet when it has seen only one of the first two.
_ATTEMPTED, _QUIET, _LOUD = 1, 2, 4
# Stored times are UTC: a booking this long before T (in UTC) is before T in wall time too,
# whatever the two offsets (they differ by 26 h at most); a later one is compared exactly.
_SURE = timedelta(hours=27)


@dataclass(frozen=True)
class Moment:
    """The parts of a plan's context that decide whether a group can be due."""

    now: datetime
    tz: tzinfo
    rules: schedule.Rules
    calendar: schedule.Calendar
    country: str
    optouts: set[str]


@dataclass(frozen=True)
class _Slot:
    """What a visit start decides alone: its local date and, if still ahead, its send time."""

    day: date
    send_at: datetime | None  # wall time T, only when T is later than now (else None)
    sure: str = ""  # stored booking times up to this one are before T for certain


def _slot(start_key: str, m: Moment) -> _Slot:
    start = from_store(start_key, m.tz)
    t = schedule.send_time_if_booked_by(start.replace(tzinfo=None), m.rules, m.calendar)
    if t is None:
        return _Slot(start.date(), None)
    when = aware_lenient(t, m.tz)
    if not (when > m.now and when.date() >= m.now.date()):
        return _Slot(start.date(), None)
    return _Slot(start.date(), t, to_store(when - _SURE))


def _booked_by(booked_key: str, slot: _Slot, tz: tzinfo) -> bool:
    """Booked at or before the slot's T, in wall time (as the planner compares them)."""
    if booked_key <= slot.sure:  # the same fixed-width UTC format: text order is time order
        return True
    return slot.send_at is not None and from_store(booked_key, tz).replace(tzinfo=None) <= slot.send_at


def loud_ids(rows: Iterable[Row], attempted: Iterable[int], m: Moment) -> list[int]:
    """Ids of the visits in loud groups, in the order of ``rows``."""
    tried = set(attempted)
    slots: dict[str, _Slot] = {}
    keyed: list[tuple[int, tuple[str, str, date]]] = []
    seen: dict[tuple[str, str, date], int] = {}
    for vid, practice, raw, phone_class, start_key, booked_key in rows:
        slot = slots.get(start_key)
        if slot is None:
            slot = slots[start_key] = _slot(start_key, m)
        phone = from_class_text(raw, phone_class, m.country)
        key = (practice, phone.key, slot.day)
        keyed.append((vid, key))
        if not phone_class:
            label = _LOUD  # the full plan works its class out and stores it
        elif vid in tried:
            label = _ATTEMPTED
        elif (
            slot.send_at is None
            or phone.problem is not None
            or phone.e164 in m.optouts
            or not _booked_by(booked_key, slot, m.tz)
        ):
            label = _LOUD
        else:
            label = _QUIET
        seen[key] = seen.get(key, 0) | label
    loud = {key for key, labels in seen.items() if labels not in (_ATTEMPTED, _QUIET)}
    return [vid for vid, key in keyed if key in loud]
