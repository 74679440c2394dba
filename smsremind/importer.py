"""Read appointments from CSV or another SQLite database and validate them (SPEC §8).

Reading is streaming: rows are validated one by one and handed on as plain
tuples, so memory stays flat however large the file.  The per-row function
is built once per file with the column positions fixed, and date parsing is
cached per distinct text (a calendar repeats the same slots endlessly):
this is the hot path of a million-row import.

Encoding: a UTF-8 BOM means UTF-8; otherwise the whole file is checked as
UTF-8 in one streaming pass and, failing that, read as cp1250 (the Windows
code page of Polish and Czech exports).  The delimiter is whichever of
``,`` and ``;`` splits the header into more fields.
"""

from __future__ import annotations

import codecs
import csv
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, NamedTuple

from smsremind.clock import NonexistentTimeError, aware, parse_wall, to_store
from smsremind.errors import ImportFileError

COLUMNS = (
    "id",
    "start",
    "phone",
    "patient",
    "practice",
    "doctor",
    "status",
    "language",
    "booked_at",
)
REQUIRED = ("id", "start", "phone")
STATUSES = {"scheduled": "scheduled", "cancelled": "cancelled", "canceled": "cancelled"}
LANGUAGE_ALIASES = {"pl": "pl", "cs": "cs", "cz": "cs", "en": "en"}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CACHE_LIMIT = 200_000


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


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str


@dataclass
class Source:
    """Where rows come from; ``label`` names a row in messages ("line" or "row")."""

    name: str
    header: list[str]
    records: Iterator[tuple[int, list[Any]]]
    label: str = "line"


class RowError(ValueError):
    pass


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
        fh = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by records()
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

    def records() -> Iterator[tuple[int, list[Any]]]:
        try:
            for record in reader:
                yield reader.line_num, record
        except csv.Error as exc:
            raise ImportFileError(f"{path}: line {reader.line_num}: not valid CSV ({exc})") from None
        finally:
            fh.close()

    return Source(str(path), header, records())


def open_sqlite(path: Path, table: str | None, query: str | None) -> Source:
    if not path.exists():
        raise ImportFileError(f"{path}: no such file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        sql = query or f'SELECT * FROM "{(table or "").replace(chr(34), chr(34) * 2)}"'
        cursor = conn.execute(sql)
    except sqlite3.Error as exc:
        raise ImportFileError(
            f"{path}: cannot read {'query' if query else 'table ' + repr(table)}: {exc}"
        ) from None
    header = [d[0] for d in cursor.description or ()]

    def records() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, record in enumerate(cursor, start=1):
                yield number, ["" if v is None else str(v) for v in record]
        except sqlite3.Error as exc:
            raise ImportFileError(f"{path}: reading failed: {exc}") from None
        finally:
            conn.close()

    return Source(str(path), header, records(), label="row")


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


class WallParser:
    """Local wall-time text -> stored UTC text, cached; gap -> error; fold -> first."""

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self.cache: dict[str, str | RowError] = {}

    def __call__(self, text: str, what: str) -> str:
        hit = self.cache.get(text)
        if hit is None:
            hit = self._parse(text, what)
            if len(self.cache) >= _CACHE_LIMIT:
                self.cache.clear()
            self.cache[text] = hit
        if isinstance(hit, RowError):
            raise hit
        return hit

    def _parse(self, text: str, what: str) -> str | RowError:
        try:
            stripped = text.strip()
            if not stripped:
                return RowError(f"{what} is empty")
            moment = _parse_with_offset(stripped, self.tz)
            return to_store(moment if moment else aware(parse_wall(stripped), self.tz))
        except NonexistentTimeError as exc:
            return RowError(f"{what} {exc}")
        except ValueError as exc:
            return RowError(f"{what} {exc}")


def _parse_with_offset(text: str, tz: tzinfo) -> datetime | None:
    """ISO 8601 with an explicit offset ('…+01:00', '…Z') is an instant, not a wall time."""
    if not (text.endswith("Z") or "+" in text[10:] or text[10:].count("-")):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(tz) if moment.tzinfo else None


def row_converter(
    positions: dict[str, int], tz: tzinfo, practice: str | None
) -> Callable[[int, list[Any]], Row]:
    """Build the per-row validator for fixed column positions."""
    parse = WallParser(tz)
    idx = positions
    i_id, i_start, i_phone = idx["id"], idx["start"], idx["phone"]
    optional = {c: idx.get(c) for c in ("patient", "practice", "doctor", "status", "language", "booked_at")}
    width = max(idx.values()) + 1

    def cell(record: list[Any], i: int | None) -> str:
        return record[i].strip() if i is not None and i < len(record) else ""

    def convert(line: int, record: list[Any]) -> Row:
        if len(record) < width and len(record) <= max(i_id, i_start, i_phone):
            raise RowError(f"has {len(record)} fields, expected {len(positions)} or more")
        ext_id = record[i_id].strip()
        if not ext_id:
            raise RowError("id is empty")
        phone = record[i_phone].strip()
        if not phone:
            raise RowError("phone is empty")
        start = parse(record[i_start], "start")
        status = STATUSES.get(cell(record, optional["status"]).lower() or "scheduled")
        if status is None:
            raise RowError(f"status {cell(record, optional['status'])!r} is not scheduled or cancelled")
        lang_text = cell(record, optional["language"]).lower()
        language = LANGUAGE_ALIASES.get(lang_text) if lang_text else None
        if lang_text and language is None:
            raise RowError(f"language {lang_text!r} is not pl, cs or en")
        row_practice = cell(record, optional["practice"])
        if practice and row_practice and row_practice != practice:
            raise RowError(f"practice {row_practice!r} differs from --practice {practice!r}")
        row_practice = row_practice or practice or ""
        if not row_practice:
            raise RowError("practice is empty (give --practice or set practice in the config)")
        booked_text = cell(record, optional["booked_at"])
        booked = parse(booked_text, "booked_at") if booked_text else None
        return Row(
            line,
            row_practice,
            ext_id,
            start,
            cell(record, optional["patient"]),
            phone,
            cell(record, optional["doctor"]),
            status,
            language,
            booked,
        )

    return convert


@dataclass
class Prepared:
    """Validated rows of a source plus which optional columns it carries.

    A column the source lacks must not overwrite what is stored (a file
    without ``patient`` says nothing about names), so sync needs to know.
    """

    source: Source
    present: frozenset[str]
    rows: Iterator[Row | Reject]


def prepare(source: Source, mapping: dict[str, str], tz: tzinfo, practice: str | None) -> Prepared:
    positions = column_positions(source, mapping)
    if "practice" not in positions and not practice:
        raise ImportFileError(
            f"{source.name}: no practice column; pass --practice NAME or set practice in the config"
        )
    return Prepared(source, frozenset(positions), _validated(source, positions, tz, practice))


def _validated(
    source: Source, positions: dict[str, int], tz: tzinfo, practice: str | None
) -> Iterator[Row | Reject]:
    """Every non-blank record of ``source`` as a Row, or a Reject naming its line."""
    convert = row_converter(positions, tz, practice)
    for line, record in source.records:
        if not any(str(v).strip() for v in record):
            continue
        try:
            row = convert(line, record)
        except RowError as exc:
            yield Reject(line, str(exc))
            continue
        yield row
