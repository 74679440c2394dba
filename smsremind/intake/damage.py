"""Reading a CSV file on past its damage: each fault costs one rejected row.

A CSV error (an unclosed quote at the end of the file, text after a closing
quote, a cell over the csv module's field limit) would end the whole read;
:func:`take` turns it into a :class:`Broken` record in place and reads on.
A quote closed much later makes the reader glue whole rows into one field
without any error; :func:`mark_swallowed` finds such records.  Both are
*structural* faults: a ``--full`` import of the file then cancels nothing,
since the rows it seems to miss may only be unreadable.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any

from smsremind.i18n import N_, Later


class Broken(list):  # type: ignore[type-arg]
    """Stands for a record the CSV reader could not parse, in place in its chunk.

    An empty list, so the validators see a blank record; ``end`` is the line
    the reader got to, which keeps the line numbers of the records after it right.
    """

    def __init__(self, reason: str, end: int):
        super().__init__()
        self.reason, self.end = reason, end


class Chunk(list):  # type: ignore[type-arg]
    """Records read together; ``broken`` says whether one of them is a Broken record."""

    broken = False


def take(records: Iterator[list[Any]], size: int, line: Callable[[], int]) -> Chunk:
    """The next ``size`` records; a CSV error costs one Broken record, not the file."""
    chunk = Chunk()
    while True:
        try:
            chunk.extend(islice(records, size - len(chunk)))  # keeps what it got before an error
            return chunk
        except csv.Error as exc:
            chunk.append(Broken(Later(N_("not valid CSV ({error})"), error=str(exc)), line()))
            chunk.broken = True
            if len(chunk) >= size:
                return chunk


def span(reason: str, begin: int, end: int) -> str:
    if begin == end:
        return reason
    return Later(N_("{reason}; lines {begin}-{end} read as one record"), reason=reason, begin=begin, end=end)


def mark_swallowed(chunk: list[list[Any]], lines: Sequence[int], delimiter: str, width: int) -> bool:
    """Replace each record whose quoted field holds whole rows by a Broken one; True if any.

    A quote that opens a field and is closed only much later makes the
    reader glue the rows in between into that field.  A line break inside a
    field is legitimate (an address); a line in it with as many delimiters
    as a row has is not.
    """
    found = False
    for i, record in enumerate(chunk):
        if type(record) is Broken or not any("\n" in v or "\r" in v for v in record):
            continue
        for value in record:
            if any(part.count(delimiter) >= width - 1 for part in value.splitlines()[1:]):
                reason = N_("a quoted field holds whole rows (a quote opened and not closed?)")
                chunk[i] = Broken(Later(reason), lines[i])
                found = True
                break
    return found


def line_ends(first: int, chunk: Sequence[list[Any]]) -> list[int]:
    """The line each record of a chunk ends on, the chunk starting after line ``first``.

    A record takes one line plus one per line break inside its quoted fields
    (``\r\n``, ``\n`` or ``\r``, as the reader splits lines).
    """
    ends, at = [], first
    for record in chunk:
        if type(record) is Broken:
            at = record.end
            ends.append(at)
            continue
        text = ",".join(map(str, record))
        at += 1 + text.count("\n") + text.count("\r") - text.count("\r\n")
        ends.append(at)
    return ends
