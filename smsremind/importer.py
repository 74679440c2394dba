"""Read appointments from CSV or another SQLite database (SPEC §8).

Reading is streaming: records are validated in batches by one tight loop
(:meth:`Prepared.batches`) and handed to sync, so memory stays flat however
large the file.  The per-record validation lives in :mod:`smsremind.rowcheck`.

Encoding: a UTF-8 BOM means UTF-8; otherwise the whole file is checked as
UTF-8 in one streaming pass and, failing that, read as cp1250 (the Windows
code page of Polish and Czech exports).  The delimiter is whichever of
``,`` and ``;`` occurs more often in the header line.
"""

from __future__ import annotations

import codecs
import csv
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from smsremind.errors import ImportFileError
from smsremind.rowcheck import Row, RowError, converter

COLUMNS = ("id", "start", "phone", "patient", "practice", "doctor", "status", "language", "booked_at")
REQUIRED = ("id", "start", "phone")
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str


Batch = tuple[list[Row], list[Reject]]


@dataclass
class Source:
    """Records of a file or table; ``line()`` numbers the current one for messages."""

    name: str
    header: list[str]
    records: Iterable[list[Any]]
    line: Callable[[], int]
    label: str = "line"  # "line" in a CSV file, "row" in a table
    close: Callable[[], None] = field(default=lambda: None)


# --- sources


def detect_encoding(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4096)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith(_SQLITE_MAGIC):
            raise ImportFileError(f"{path}: is an SQLite database; use --table NAME or --query SQL")
        if b"\x00" in head:
            raise ImportFileError(f"{path}: not a CSV file (binary content)")
        decoder = codecs.getincrementaldecoder("utf-8")()
        chunk = head
        try:
            while chunk:
                decoder.decode(chunk)
                chunk = fh.read(1 << 20)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1250"
    return "utf-8"


def open_csv(path: Path) -> Source:
    try:
        encoding = detect_encoding(path)
        fh = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by Source.close
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror}") from None
    first = fh.readline()
    if not first.strip():
        fh.close()
        raise ImportFileError(f"{path}: empty file, expected a header line such as id,start,phone")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    fh.seek(0)
    reader = csv.reader(fh, delimiter=delimiter)
    header = next(reader)
    return Source(str(path), header, reader, lambda: reader.line_num, close=fh.close)


def open_sqlite(path: Path, table: str | None, query: str | None) -> Source:
    if not path.exists():
        raise ImportFileError(f"{path}: no such file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        sql = query or f'SELECT * FROM "{(table or "").replace(chr(34), chr(34) * 2)}"'
        cursor = conn.execute(sql)
    except sqlite3.Error as exc:
        what = "query" if query else f"table {table!r}"
        raise ImportFileError(f"{path}: cannot read {what}: {exc}") from None
    header = [d[0] for d in cursor.description or ()]
    count = [0]

    def records() -> Iterator[list[Any]]:
        for record in cursor:
            count[0] += 1
            yield ["" if v is None else str(v) for v in record]

    return Source(str(path), header, records(), lambda: count[0], label="row", close=conn.close)


# --- validation


def column_positions(source: Source, mapping: dict[str, str]) -> dict[str, int]:
    """Our column name -> index in the source header (case-insensitive, mapped)."""
    header = [h.strip().lstrip("\ufeff").lower() for h in source.header]
    positions = {}
    for col in COLUMNS:
        wanted = mapping.get(col, col).strip().lower()
        if wanted in header:
            positions[col] = header.index(wanted)
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        names = ", ".join(repr(mapping.get(c, c)) for c in missing)
        found = ", ".join(repr(h) for h in source.header) or "none"
        raise ImportFileError(
            f"{source.name}: not an appointments file: missing required column {names} "
            f"(columns found: {found}; map yours with --map start=YourName)"
        )
    return positions


@dataclass
class Prepared:
    """A source ready to be read, plus which optional columns it carries.

    A column the source lacks must not overwrite what is stored (a file
    without ``patient`` says nothing about names), so sync needs to know.
    """

    source: Source
    present: frozenset[str]
    convert: Callable[[int, list[Any]], Row]

    def batches(self, size: int = 5000) -> Iterator[Batch]:
        """(rows, rejects) per ``size`` records; blank records are skipped."""
        convert, line = self.convert, self.source.line
        rows: list[Row] = []
        rejects: list[Reject] = []
        try:
            for record in self.source.records:
                try:
                    rows.append(convert(line(), record))
                except RowError as exc:
                    if any(str(v).strip() for v in record):
                        rejects.append(Reject(line(), str(exc)))
                if len(rows) >= size:
                    yield rows, rejects
                    rows, rejects = [], []
        except csv.Error as exc:
            raise ImportFileError(f"{self.source.name}: line {line()}: not valid CSV ({exc})") from None
        except sqlite3.Error as exc:
            raise ImportFileError(f"{self.source.name}: reading failed: {exc}") from None
        finally:
            self.source.close()
        yield rows, rejects


def prepare(source: Source, mapping: dict[str, str], tz: tzinfo, practice: str | None) -> Prepared:
    try:
        positions = column_positions(source, mapping)
        if "practice" not in positions and not practice:
            raise ImportFileError(
                f"{source.name}: no practice column; pass --practice NAME or set practice in the config"
            )
    except ImportFileError:
        source.close()
        raise
    return Prepared(source, frozenset(positions), converter(positions, tz, practice))
