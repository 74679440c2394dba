"""A start split over two columns: ``Data`` 07.12.2026 + ``Godzina`` 9.00.

Many practice programs export the day and the time of a visit separately.
With a ``time`` column mapped (``--map date=Data --map time=Godzina``, or
``start`` + ``time``), the time field of each record is replaced by the two
joined, ``"07.12.2026 9:00"``, and the start is read from it: the one start parser
of :mod:`.rowcheck` then checks it like any other start (a bare date with no
time is rejected there, never taken as midnight).

Times are accepted as ``9:00``, ``09:00``, ``09.00`` and ``9:00:00``; the
dotted form is the only one the start parser would not take, so it is
rewritten here (cached: a diary repeats the same few slots).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

_DOTTED = re.compile(r"^(\d{1,2})\.(\d{2})$")
_CACHE_LIMIT = 10_000


def clock_text(text: str) -> str:
    """A time cell as the start parser takes it: ``09.00`` -> ``09:00``; others unchanged."""
    text = text.strip()
    m = _DOTTED.match(text)
    return f"{m[1]}:{m[2]}" if m else text


def join_date_time(
    records: Iterable[list[Any]], positions: dict[str, int]
) -> tuple[Iterable[list[Any]], dict[str, int]]:
    """With a time column: records whose time field holds date + time, read as the start.

    The joined text replaces the time field rather than being appended, so a
    record keeps its number of fields (the row checks judge a record's shape
    by it).
    """
    if "time" not in positions:
        return records, positions
    at_day = positions.get("date", positions["start"])
    at_time = positions["time"]
    return _joined(records, at_day, at_time), {**positions, "start": at_time}


def _joined(records: Iterable[list[Any]], at_day: int, at_time: int) -> Iterator[list[Any]]:
    times: dict[str, str] = {}
    reach = max(at_day, at_time)
    for record in records:
        if len(record) > reach:  # a short record is left for the row check to reject
            t = record[at_time]
            clock = times.get(t)
            if clock is None:
                clock = clock_text(t)
                if len(times) < _CACHE_LIMIT:
                    times[t] = clock
            record[at_time] = f"{record[at_day].strip()} {clock}".strip()
        yield record
