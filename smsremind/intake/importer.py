"""Read appointments from CSV or another SQLite database (SPEC §8).

Reading is streaming: records are read and validated in chunks
(:meth:`Prepared.batches`) and handed to sync, so memory stays flat however
large the file.  The validation itself lives in :mod:`smsremind.intake.rowcheck`.

Encoding: a plain UTF-8 file is read as it is; anything else is decided from
the whole file first (:mod:`.encoding`). The delimiter is whichever of ``,``
and ``;`` occurs more often in the header line.

A damaged file is read on (:mod:`.damage`): each fault is one rejected row,
and a fault in the file's shape (a CSV error, a quote that swallowed whole
rows, a record with the wrong number of fields) is a *structural* reject,
after which ``--full`` cancels nothing.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from smsremind.checks import COLUMNS
from smsremind.errors import ImportFileError
from smsremind.i18n import N_, _
from smsremind.intake import datetimes, encoding
from smsremind.intake.damage import Broken, Chunk, line_ends, mark_swallowed, span, take
from smsremind.intake.rowcheck import (
    EXT_ID,
    PRACTICE,
    Convert,
    ConvertMany,
    Row,
    RowError,
    StructuralError,
    converters,
    header_fields,
    held_ids,
)
from smsremind.intake.words import statuses
from smsremind.storage.store import gc_paused

REQUIRED = ("id", "start", "phone")
_MAX_REJECTS_KEPT = 1000
_KEY = itemgetter(PRACTICE, EXT_ID)
_PRACTICE = itemgetter(PRACTICE)


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str  # English (as ``import --json`` gives it); ``_(reason)`` in the people's language
    structural: bool = False  # the file's shape is broken here (see the module docstring)


@dataclass
class ImportReport:
    """What an import did (filled in by :mod:`smsremind.intake.sync`)."""

    source: str
    new: int = 0
    moved: int = 0
    cancelled: int = 0
    restored: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # cancelled by --full because missing from the file
    rejected: int = 0
    structural: int = 0  # rejects that break the file's shape: --full then cancels nothing
    first_structural: int = 0  # its line
    rejects: list[Reject] = field(default_factory=list)
    baseline: list[str] = field(default_factory=list)
    practices: list[str] = field(default_factory=list)
    committed: bool = False

    def reject(self, item: Reject) -> None:
        self.rejected += 1
        if item.structural:
            self.structural += 1
            self.first_structural = min(self.first_structural or item.line, item.line)
        if len(self.rejects) < _MAX_REJECTS_KEPT:
            self.rejects.append(item)

    def as_json(self) -> dict:
        keys = (
            "new",
            "moved",
            "cancelled",
            "restored",
            "updated",
            "unchanged",
            "removed",
            "rejected",
        )
        return {
            "source": self.source,
            **{k: getattr(self, k) for k in keys},
            "baseline": self.baseline,
            "practices": self.practices,
            "committed": self.committed,
            "rejects": [{"line": r.line, "reason": str(r.reason)} for r in self.rejects],
        }


@dataclass
class Batch:
    """Validated records, as handed from the reader to the writer.

    ``suspects`` are rows whose (practice, id) hash was seen before in the
    file: probably duplicates, to be confirmed by the writer once its
    indexes exist (a set of 64-bit hashes costs ~64 MB per million rows;
    remembering each first line number too would cost 100 MB more).
    """

    rows: list[Row] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    suspects: list[Row] = field(default_factory=list)
    practices: set[str] = field(default_factory=set)
    held: list[str] = field(default_factory=list)  # maybe ids of rejected rows: --full keeps them


@dataclass
class Source:
    """Records of a file or table; ``line()`` numbers the current one for messages."""

    name: str
    header: list[str]
    records: Iterable[list[Any]]
    line: Callable[[], int]
    label: str = N_("line")  # "line" in a CSV file, "row" in a table (N_: translated when printed)
    close: Callable[[], None] = field(default=lambda: None)
    delimiter: str | None = None  # a CSV file's: a quoted field holding whole rows is a broken file
    damaged: bool = False  # some bytes did not decode (kept as surrogates) or are NUL: check each record


def open_csv(path: Path, forced: str | None = None, *, plain: bool = True) -> Source:
    """The records of a CSV file.  ``plain``: read as UTF-8 without scanning the whole file
    first, so that reading may raise encoding.NotPlain (then call again with ``plain=False``)."""
    try:
        decided, fh = encoding.open_text(path, forced, plain=plain)  # closed by Source.close
    except OSError as exc:
        raise ImportFileError(
            _("{path}: cannot read: {error}").format(path=path, error=exc.strerror)
        ) from None
    try:
        return _csv_source(path, fh, decided)
    except encoding.NotPlain:  # in the header already
        fh.close()
        return open_csv(path, plain=False)


def _csv_source(path: Path, fh: Any, decided: encoding.Decision) -> Source:
    first = fh.readline()
    if not first.strip():
        fh.close()
        text = _("{path}: empty file, expected a header line such as id,start,phone")
        raise ImportFileError(text.format(path=path))
    delimiter = ";" if first.count(";") > first.count(",") else ","
    fh.seek(0)
    # strict: an unclosed quote at the end of the file, or text after a closing quote, is an error
    # (a Broken record) instead of silently gluing the following lines into one field.
    reader = csv.reader(fh, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        fh.close()
        text = _("{path}: line 1: the header is not valid CSV ({error})")
        raise ImportFileError(text.format(path=path, error=exc)) from None
    return Source(
        str(path),
        header,
        reader,
        lambda: reader.line_num,
        close=fh.close,
        delimiter=delimiter,
        damaged=decided.damaged,
    )


def open_sqlite(path: Path, table: str | None, query: str | None) -> Source:
    if not path.exists():
        raise ImportFileError(_("{path}: no such file").format(path=path))
    try:
        # as_uri() percent-encodes the path: a '#' or '?' in a file name must not end it
        # (file:cal#x.db would open "cal", read-write).
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        sql = query or f'SELECT * FROM "{(table or "").replace(chr(34), chr(34) * 2)}"'
        cursor = conn.execute(sql)
    except sqlite3.Error as exc:
        what = _("query") if query else _("table {name}").format(name=repr(table))
        raise ImportFileError(
            _("{path}: cannot read {what}: {error}").format(path=path, what=what, error=exc)
        ) from None
    header = [d[0] for d in cursor.description or ()]
    count = [0]

    def records() -> Iterator[list[Any]]:
        for record in cursor:
            count[0] += 1
            yield ["" if v is None else str(v) for v in record]

    return Source(str(path), header, records(), lambda: count[0], label=N_("row"), close=conn.close)


# --- validation


def column_positions(source: Source, mapping: dict[str, str]) -> dict[str, int]:
    """Our column name -> index in the source header (case-insensitive, mapped)."""
    header = [h.strip().lstrip("\ufeff").lower() for h in source.header]
    positions = {}
    for col in COLUMNS:
        wanted = mapping.get(col, col).strip().lower()
        if wanted in header:
            positions[col] = header.index(wanted)
    if "date" in positions and "start" not in positions:
        positions["start"] = positions["date"]  # a date column is the start's date (time: see .datetimes)
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        names = ", ".join(repr(mapping.get(c, c)) for c in missing)
        found = ", ".join(repr(h) for h in source.header) or _("none")
        text = _(
            "{source}: not an appointments file: missing required column {names} "
            "(columns found: {found}; map yours with --map start=YourName)"
        )
        raise ImportFileError(text.format(source=source.name, names=names, found=found))
    return positions


@dataclass(frozen=True)
class Spec:
    """Which source to read and how to validate it."""

    path: Path
    mapping: dict[str, str]
    zone: str
    practice: str | None = None
    table: str | None = None
    query: str | None = None
    encoding: str | None = None  # None: detect (CSV only)
    status_words: dict[str, list[str]] = field(default_factory=dict)  # [import.status]
    display: str | None = None  # the source's name in messages, when not its path (stdin)

    def open(self, *, plain: bool = True) -> Source:
        if "\x00" in str(self.path):
            text = _("{path}: a file name cannot contain a NUL character")
            raise ImportFileError(text.format(path=repr(str(self.path))))
        if self.table or self.query:
            return open_sqlite(self.path, self.table, self.query)
        return open_csv(self.path, self.encoding, plain=plain)

    def named(self, exc: ImportFileError) -> ImportFileError:
        """``exc`` naming the source as the user does (standard input, not its temporary copy)."""
        return ImportFileError(str(exc).replace(str(self.path), self.display)) if self.display else exc


@dataclass
class Prepared:
    """A source ready to be read, plus which optional columns it carries.

    A column the source lacks must not overwrite what is stored (a file
    without ``patient`` says nothing about names), so sync needs to know.
    """

    spec: Spec
    source: Source
    present: frozenset[str]
    convert: Convert
    convert_many: ConvertMany

    @property
    def name(self) -> str:
        return self.source.name

    def decided(self) -> Prepared:
        """This CSV source again, its encoding decided from the whole file first: reading it
        the plain way raised encoding.NotPlain (nothing was committed)."""
        try:
            return prepare(self.spec, self.spec.open(plain=False))
        except ImportFileError as exc:
            raise self.spec.named(exc) from None

    def batches(self, size: int = 5000, *, dedupe: bool = True) -> Iterator[Batch]:
        """Validate the records in chunks of ``size``; blank records are skipped.

        A chunk goes through ``convert_many``, and through ``convert`` record
        by record when that gives up, a key in it was seen before, or the
        chunk holds anything odd (a Broken record, an undecodable byte).  With
        ``dedupe`` false, keys are not checked here: the caller proves them
        unique itself (sync does, by building the unique index over a bulk load).
        """
        line, records = self.source.line, iter(self.source.records)
        seen: set[int] | None = set() if dedupe else None  # hash(practice, id) of every row so far
        try:
            with gc_paused():
                first = line()
                while chunk := take(records, size, line):
                    last = line()
                    # Each record on one line (the rule), or count the breaks in quoted fields.
                    lines = (
                        range(first + 1, last + 1) if last - first == len(chunk) else line_ends(first, chunk)
                    )
                    odd = self._odd(chunk, lines)
                    rows = None if odd else self.convert_many(lines, chunk)
                    batch = None if rows is None else _fresh(rows, seen)
                    yield batch or self._one_by_one(chunk, lines, first, seen)
                    first = last
        except sqlite3.Error as exc:
            raise ImportFileError(
                _("{source}: reading failed: {error}").format(source=self.source.name, error=exc)
            ) from None
        finally:
            self.source.close()

    def _odd(self, chunk: Chunk, lines: Sequence[int]) -> bool:
        """Whether the chunk needs the record-by-record path (marking swallowed rows on the way)."""
        odd = False
        if self.source.delimiter and not isinstance(lines, range):  # records spanning lines
            odd = mark_swallowed(chunk, lines, self.source.delimiter, len(self.source.header))
        if self.source.damaged:
            odd = odd or bool(encoding.NOT_TEXT.search("".join(map("".join, chunk))))
        return odd or chunk.broken

    def _one_by_one(
        self, chunk: list[list[Any]], lines: Sequence[int], first: int, seen: set[int] | None
    ) -> Batch:
        convert, batch = self.convert, Batch()
        damaged = self.source.damaged
        for at, record in zip(lines, chunk, strict=True):
            begin, first = first + 1, at
            if type(record) is Broken:
                batch.rejects.append(Reject(begin, span(record.reason, begin, at), structural=True))
                continue
            # An undecodable byte is the row's reason, unless the row's shape is wrong too.
            why = encoding.undecodable("".join(record)) if damaged else None
            try:
                row = convert(at, record)
                if why:
                    raise RowError(why)
            except RowError as exc:
                if any(str(v).strip() for v in record):
                    structural = isinstance(exc, StructuralError)
                    where, reason = (begin, exc.reason) if structural else (at, why or exc.reason)
                    batch.rejects.append(Reject(where, reason, structural=structural))
                    batch.held += held_ids(record)
                continue
            if seen is not None:
                h = hash((row[PRACTICE], row[EXT_ID]))
                if h in seen:
                    batch.suspects.append(row)
                    continue
                seen.add(h)
            batch.rows.append(row)
            batch.practices.add(row[PRACTICE])
        return batch


def _fresh(rows: list[Row], seen: set[int] | None) -> Batch | None:
    """A batch of ``rows`` if none of their keys was seen before (then they are remembered)."""
    if seen is None:
        return Batch(rows, practices=set(map(_PRACTICE, rows)))
    keys = set(map(hash, map(_KEY, rows)))
    if len(keys) < len(rows) or not seen.isdisjoint(keys):
        return None
    seen |= keys
    return Batch(rows, practices=set(map(_PRACTICE, rows)))


def prepare(spec: Spec, source: Source | None = None) -> Prepared:
    """Open the source (unless given) and check its header; raises ImportFileError for an unusable one."""
    source = source or spec.open()
    if spec.display:
        source.name = spec.display
    try:
        positions = column_positions(source, spec.mapping)
        source.records, positions = datetimes.join_date_time(source.records, positions)
        if "practice" not in positions and not spec.practice:
            text = _("{source}: no practice column; pass --practice NAME or set practice in the config")
            raise ImportFileError(text.format(source=source.name))
    except ImportFileError:
        source.close()
        raise
    fields = header_fields(source.header) if source.delimiter else None
    one, many = converters(positions, ZoneInfo(spec.zone), spec.practice, fields, statuses(spec.status_words))
    return Prepared(spec, source, frozenset(positions), one, many)
