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

Start and booking times are converted by :mod:`.walltime` (cached per
distinct text and per local hour).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import tzinfo
from itertools import repeat
from typing import Any, Final

from smsremind.i18n import N_
from smsremind.intake.encoding import NOT_TEXT
from smsremind.intake.walltime import RowError, WallParser
from smsremind.intake.words import Words, languages, statuses

_NOT_A_LANGUAGE = object()
_CACHE_LIMIT = 200_000  # texts a column's time parser keeps (see walltime)
# Never in a real id or practice name: a quote there means a stray one shifted the row; a control
# or invisible character (a BOM mid-file, a flipped byte) means damage.  Either would make a new
# visit or practice out of an old one -- and --full cancel the old one.
_STRAY = re.compile('["\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]')
# A validated row is a plain tuple, not a NamedTuple: batches may cross a process
# boundary, and pickling a NamedTuple costs three times as much per row.
# (line, practice, ext_id, start, patient, phone, doctor, status, language, booked_at)
Row = tuple[int, str, str, str, str, str, str, str, str | None, str | None]
LINE: Final = 0
PRACTICE: Final = 1
EXT_ID: Final = 2


class StructuralError(RowError):
    """The record does not fit the file's shape (field count): the file itself is damaged.

    Its row is rejected like any other, and a ``--full`` import of the file
    then cancels nothing: what is missing may only be unreadable.
    """


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
    parse = WallParser(tz, _CACHE_LIMIT)
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
