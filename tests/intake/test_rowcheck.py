"""Row validation: the chunk converter (``many``) agrees with the per-record one (``one``).

``many`` is the fast path of a large import and may give up on any chunk,
but whatever it accepts must be exactly what ``one`` makes of the same
records.  These tests feed both the same random records, good and bad.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsremind import clock
from smsremind.intake import importer, rowcheck
from smsremind.intake.importer import Spec, line_ends, prepare
from smsremind.intake.rowcheck import RowError, converters

WAW = clock.zone("Europe/Warsaw")
OPTIONAL = ("patient", "practice", "doctor", "status", "language", "booked_at")
VALUES: dict[str, list[str]] = {
    "id": ["1", "2", "17", " 3 ", "", "  "],
    "start": [
        "2026-11-24 10:00",
        "24.11.2026 10:00",
        " 2026-11-24 10:00 ",
        "2026-11-24T10:00:00+01:00",
        "2026-03-29 02:30",  # does not exist in Warsaw
        "2026-10-25 02:30",  # exists twice
        "2026-02-30 10:00",
        "tomorrow",
        "2026-11-24",  # a date without a time of day
        "24.11.2026",
        "",
    ],
    "phone": ["601234567", " +48 601 234 567 ", ""],
    "patient": ["", " Anna ", "Łucja Żółć"],
    "practice": ["P", " P ", "", "Q"],
    "doctor": ["", "dr Nowak ", "dr Dąbrowski"],
    "status": [
        "",
        "scheduled",
        "cancelled",
        "canceled",
        "Cancelled",
        " scheduled",
        "maybe",
        "odwołana",
        "ZRUSENO",
    ],
    "language": ["", "pl", "cs", "cz", "en", "PL", " en", "de", "polski", "Čeština", "pl-PL"],
    "booked_at": ["", "2026-11-01 09:00", " 2026-11-01 09:00 ", "2026-11-24 10:00", "garbage", "2026-11-24"],
}


@st.composite
def chunks(draw: st.DrawFn) -> tuple[dict[str, int], str | None, list[list[Any]]]:
    columns = ["id", "start", "phone", *draw(st.lists(st.sampled_from(OPTIONAL), unique=True))]
    columns = draw(st.permutations(columns))
    positions = {c: i for i, c in enumerate(columns)}
    practice = draw(st.sampled_from([None, "P"]))
    plain = draw(st.booleans())  # mostly valid values, so that ``many`` gets to say yes
    records = []
    for _ in range(draw(st.integers(1, 12))):
        if plain:
            record = [VALUES[c][0] if c != "practice" else "P" for c in columns]
            if draw(st.integers(0, 3)) == 0:
                col = draw(st.sampled_from(columns))
                record[positions[col]] = draw(st.sampled_from(VALUES[col]))
        else:
            record = [draw(st.sampled_from(VALUES[c])) for c in columns]
        if draw(st.integers(0, 20)) == 0:
            record = record[: draw(st.integers(0, len(record) - 1))]  # short record or blank line
        records.append(record)
    return positions, practice, records


def per_record(one: rowcheck.Convert, lines: range, records: list[list[Any]]) -> list[Any]:
    out: list[Any] = []
    for line, record in zip(lines, records, strict=True):
        try:
            out.append(one(line, record))
        except RowError as exc:
            out.append(str(exc))
    return out


@settings(max_examples=400, deadline=None)
@given(chunks(), st.integers(0, 50))
def test_many_accepts_only_what_one_accepts_and_agrees(chunk: Any, first: int) -> None:
    positions, practice, records = chunk
    one, many = converters(positions, WAW, practice)
    lines = range(first + 1, first + 1 + len(records))
    fast = many(lines, records)
    expected = per_record(one, lines, records)
    if fast is not None:
        assert fast == expected


def test_many_takes_a_plain_chunk() -> None:
    """The fast path must not silently give up on ordinary files (then imports are slow, not wrong)."""
    header = ["id", "start", "patient", "phone", "practice", "doctor", "status", "language", "booked_at"]
    positions = {c: i for i, c in enumerate(header)}
    records = [
        [
            str(i),
            f"2026-11-{10 + i % 10} 10:{i % 4 * 15:02d}",
            "Anna",
            f"60123456{i % 10}",
            "P",
            "dr X",
            "",
            "pl",
            "",
        ]
        for i in range(50)
    ]
    records[3][6], records[4][7], records[5][8] = "cancelled", "", "2026-11-01 08:00"
    one, many = converters(positions, WAW, None)
    lines = range(2, 52)
    fast = many(lines, records)
    assert fast is not None and fast == per_record(one, lines, records)
    assert fast[5][9] == "2026-11-01T07:00:00Z" and fast[3][7] == "cancelled" and fast[4][8] is None

    no_column = {"id": 0, "start": 1, "phone": 2}
    one, many = converters(no_column, WAW, "Gabinet")
    fast = many(range(1, 3), [["1", "2026-11-24 10:00", "601234567"], ["2", "2026-11-24 11:00", "601234568"]])
    assert fast is not None and [r[1] for r in fast] == ["Gabinet", "Gabinet"]


def test_many_gives_up_on_what_needs_a_message() -> None:
    positions = {"id": 0, "start": 1, "phone": 2, "practice": 3, "status": 4}
    one, many = converters(positions, WAW, None)
    good = ["1", "2026-11-24 10:00", "601234567", "P", ""]
    for col, bad in ((0, " "), (1, "2026-03-29 02:30"), (2, ""), (3, ""), (4, "maybe")):
        record = list(good)
        record[col] = bad
        assert many(range(1, 3), [good, record]) is None
        with pytest.raises(RowError):
            one(2, record)
    assert many(range(1, 3), [good, good[:3]]) is None  # short record
    assert many(range(1, 3), [good, []]) is None  # blank line
    _, many = converters(positions, WAW, "P")
    assert many(range(1, 3), [good, ["2", *good[1:3], "Q", ""]]) is None  # not the --practice


def test_date_cache_limit_keeps_answers_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rowcheck, "_CACHE_LIMIT", 3)
    positions = {"id": 0, "start": 1, "phone": 2, "booked_at": 3}
    one, many = converters(positions, WAW, "P")
    for day in range(1, 28, 3):
        records = [
            [str(i), f"2026-11-{day + i:02d} 10:00", "601234567", f"2026-10-{day + i:02d} 08:00"]
            for i in range(3)
        ]
        fast = many(range(1, 4), records)
        assert fast is not None and fast == per_record(one, range(1, 4), records)


FIELD = st.text(alphabet=st.sampled_from('ab ,"\r\nżŁ;'), max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(FIELD, min_size=1, max_size=4), min_size=1, max_size=8), st.sampled_from(["\n", "\r\n"])
)
def test_line_ends_match_the_csv_readers_line_numbers(records: list[list[str]], eol: str) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=eol).writerows(records)
    reader = csv.reader(io.StringIO(buffer.getvalue(), newline=""))
    read, ends = [], []
    for record in reader:
        read.append(record)
        ends.append(reader.line_num)
    assert list(line_ends(0, read)) == ends


def test_multiline_field_keeps_later_line_numbers_right(tmp_path: Path) -> None:
    text = (
        "id,start,phone,patient,practice\n"
        '1,2026-11-24 10:00,601234567,"Anna\nNowak",P\n'
        "2,2026-11-24 10:00,,Jan,P\n"
        '3,2026-11-24 10:00,601234567,"Ewa\r\n\r\nKos",P\n'
        "4,never,601234567,Ola,P\n"
        "5,2026-11-24 10:00,601234567,Iga,P\n"
    )
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode())
    batches = list(prepare(Spec(path, {}, "Europe/Warsaw")).batches(size=4))
    rejects = [(r.line, r.reason) for b in batches for r in b.rejects]
    assert rejects == [
        (4, "phone is empty"),
        (8, "start 'never' is not a date and time (YYYY-MM-DD HH:MM or DD.MM.YYYY HH:MM)"),
    ]
    assert [(r[0], r[2], r[4]) for b in batches for r in b.rows] == [
        (3, "1", "Anna\nNowak"),
        (7, "3", "Ewa\r\n\r\nKos"),
        (9, "5", "Iga"),
    ]


def test_duplicates_are_found_within_and_across_chunks(tmp_path: Path) -> None:
    lines = [f"{i},2026-11-24 10:00,601234567,P\n" for i in (1, 2, 3, 4, 2, 6, 7, 7, 1)]
    path = tmp_path / "in.csv"
    path.write_text("id,start,phone,practice\n" + "".join(lines), encoding="utf-8")
    batches = list(prepare(Spec(path, {}, "Europe/Warsaw")).batches(size=3))
    assert [r[2] for b in batches for r in b.rows] == ["1", "2", "3", "4", "6", "7"]
    assert [(r[0], r[2]) for b in batches for r in b.suspects] == [(6, "2"), (9, "7"), (10, "1")]


def test_sqlite_source_goes_through_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "src.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE visits (id INTEGER, start TEXT, phone TEXT, practice TEXT)")
        conn.executemany(
            "INSERT INTO visits VALUES (?, ?, ?, ?)",
            [(i, "2026-11-24 10:00", "601234567", "P") for i in range(1, 8)] + [(8, "bad", "601", "P")],
        )
    conn.close()
    prepared = prepare(Spec(db, {}, "Europe/Warsaw", table="visits"))
    taken = []
    many = prepared.convert_many
    monkeypatch.setattr(
        prepared, "convert_many", lambda lines, recs: taken.append(many(lines, recs)) or taken[-1]
    )
    batches = list(prepared.batches(size=4))
    assert [t is not None for t in taken] == [True, False]
    assert [r[0] for b in batches for r in b.rows] == list(range(1, 8))
    assert [(r.line, r.reason[:10]) for b in batches for r in b.rejects] == [(8, "start 'bad")]
    assert importer.Batch is type(batches[0])
