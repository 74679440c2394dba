"""Import (SPEC §8): formats, encodings, DST, rejects, change detection, idempotency."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from smsremind import clock
from smsremind.errors import ImportFileError
from smsremind.intake import importer, sync, words
from smsremind.storage.store import Store
from tests.conftest import csv_file

WAW = clock.zone("Europe/Warsaw")
PRG = clock.zone("Europe/Prague")
HEADER = "id,start,phone,patient,practice,status\n"
ACCEPTED = words.statuses().accepted() + "; add yours in [import.status]"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "db.sqlite", create=True)


def do_import(
    store: Store,
    path: Path,
    now: str = "2026-11-20 10:00",
    tz: Any = WAW,
    mapping: dict[str, str] | None = None,
    practice: str | None = None,
    **kw: Any,
) -> sync.ImportReport:
    prepared = importer.prepare(importer.Spec(path, mapping or {}, tz.key, practice))
    return sync.import_rows(store, prepared, clock.parse_now(now, tz), practice=practice, **kw)


def rows(store: Store, *cols: str) -> list[tuple]:
    return [tuple(r[c] for c in cols) for r in store.query("SELECT * FROM appointments ORDER BY id")]


def dump(store: Store) -> list[tuple]:
    """Every row of every table: the content of the database."""
    out = []
    for table in store.db.table_names():
        out += [(table, *row) for row in store.conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
    return out


NAME, PRACTICE = "Łucja Żółć", "Gabinet Uśmiech"


def one_row(sep: str, start: str, eol: str = "\n", bom: str = "") -> str:
    header = sep.join(["id", "start", "phone", "patient", "practice"])
    return bom + header + eol + sep.join(["1", start, "601234567", NAME, PRACTICE]) + eol


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (one_row(",", "2026-11-24 10:00"), "utf-8"),
        (one_row(";", "24.11.2026 10:00"), "utf-8"),
        (one_row(";", "2026-11-24T10:00", bom="\ufeff"), "utf-8"),
        (one_row(";", "24.11.2026 10:00", eol="\r\n"), "cp1250"),
        (one_row(",", "2026-11-24T10:00:00+01:00"), "utf-8"),
    ],
    ids=["utf8-comma-iso", "utf8-semicolon-dotted", "utf8-bom-iso-t", "cp1250-crlf", "iso-with-offset"],
)
def test_formats_and_encodings(store: Store, tmp_path: Path, text: str, encoding: str) -> None:
    report = do_import(store, csv_file(tmp_path, text, encoding=encoding))
    assert (report.new, report.rejected) == (1, 0)
    assert rows(store, "patient", "practice", "start") == [(NAME, PRACTICE, "2026-11-24T09:00:00Z")]


@pytest.mark.parametrize("tz", [WAW, PRG], ids=["warsaw", "prague"])
def test_dst_gap_rejected_and_fold_is_first_occurrence(store: Store, tmp_path: Path, tz: Any) -> None:
    text = (
        HEADER + "1,2026-03-29 02:30,601234567,A,P,\n2,2026-10-25 02:30,601234568,B,P,\n"
        "3,29.03.2026 03:00,601234569,C,P,\n"
    )
    report = do_import(store, csv_file(tmp_path, text), tz=tz)
    assert [(r.line, r.reason) for r in report.rejects] == [
        (2, f"start 2026-03-29 02:30 does not exist in {tz} (clocks jump forward)")
    ]
    # 02:30 on 25 Oct happens twice; the first is still summer time (UTC+2).
    assert rows(store, "ext_id", "start") == [
        ("2", "2026-10-25T00:30:00Z"),
        ("3", "2026-03-29T01:00:00Z"),
    ]


def test_bad_rows_rejected_with_line_numbers_good_rows_kept(store: Store, tmp_path: Path) -> None:
    text = (
        HEADER + "1,2026-11-24 10:00,601234567,A,P,\n"
        ",2026-11-24 10:00,601234567,no id,P,\n"
        "3,2026-02-30 10:00,601234567,bad date,P,\n"
        "4,2026-11-24 10:00,,no phone,P,\n"
        "5,2026-11-24 10:00,601234567,bad status,P,maybe\n"
        "\n"
        "1,2026-11-25 10:00,601234567,duplicate,P,\n"
        "7,2026-11-24 11:00,601234567,G,P,cancelled\n"
    )
    report = do_import(store, csv_file(tmp_path, text))
    assert [(r.line, r.reason) for r in report.rejects] == [
        (3, "id is empty"),
        (
            4,
            "start '2026-02-30 10:00' is not a valid date and time (day is out of range for month)",
        ),
        (5, "phone is empty"),
        (6, "status 'maybe' is not scheduled or cancelled (accepted words: " + ACCEPTED + ")"),
        (8, "duplicate id '1' (already earlier in the file)"),
    ]
    assert rows(store, "ext_id", "status") == [("1", "scheduled"), ("7", "cancelled")]


def test_strict_rejects_whole_file(store: Store, tmp_path: Path) -> None:
    text = HEADER + "1,2026-11-24 10:00,601234567,A,P,\n2,tomorrow,601234567,B,P,\n"
    report = do_import(store, csv_file(tmp_path, text), strict=True)
    assert not report.committed and report.rejected == 1
    assert rows(store, "ext_id") == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"id,phone\n1,601234567\n",
            "missing required column 'start' (columns found: 'id', 'phone'",
        ),
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a CSV file (binary content)"),
        (
            b"SQLite format 3\x00" + b"\x00" * 100,
            "is an SQLite database; use --table NAME or --query SQL",
        ),
    ],
    ids=["missing-column", "empty", "binary", "sqlite-without-table"],
)
def test_unusable_file_changes_nothing(store: Store, tmp_path: Path, content: bytes, message: str) -> None:
    do_import(store, csv_file(tmp_path, HEADER + "1,2026-11-24 10:00,601234567,A,P,\n"))
    before = dump(store)
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        do_import(store, path)
    assert dump(store) == before


def test_column_mapping_and_practice_default(store: Store, tmp_path: Path) -> None:
    text = "Nr;Termin;Telefon;Pacjent\n7;24.11.2026 10:00;601234567;Jan\n"
    report = do_import(
        store,
        csv_file(tmp_path, text),
        practice="Gabinet",
        mapping={"id": "Nr", "start": "termin", "phone": "Telefon", "patient": "Pacjent"},
    )
    assert report.new == 1
    assert rows(store, "ext_id", "practice", "patient") == [("7", "Gabinet", "Jan")]


def test_practice_conflicting_with_option_is_rejected(store: Store, tmp_path: Path) -> None:
    report = do_import(
        store,
        csv_file(tmp_path, HEADER + "1,2026-11-24 10:00,601234567,A,Other,\n"),
        practice="Gabinet",
    )
    assert [r.reason for r in report.rejects] == ["practice 'Other' differs from --practice 'Gabinet'"]


def test_no_practice_anywhere_is_a_file_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no practice column; pass --practice NAME"):
        do_import(store, csv_file(tmp_path, "id,start,phone\n1,2026-11-24 10:00,601234567\n"))


def test_sqlite_source_table_and_query_read_only(store: Store, tmp_path: Path) -> None:
    src = tmp_path / "calendar.db"
    with sqlite3.connect(src) as conn:
        conn.execute("CREATE TABLE wizyty (id INTEGER, Termin TEXT, phone TEXT, practice TEXT, status TEXT)")
        conn.executemany(
            "INSERT INTO wizyty VALUES (?, ?, ?, ?, ?)",
            [
                (1, "2026-11-24 10:00", "601234567", "P", None),
                (2, "2026-11-24 11:00", "601234568", "P", "cancelled"),
                (3, "bad", "601234569", "P", None),
            ],
        )
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    now = clock.parse_now("2026-11-20 10:00", WAW)
    prepared = importer.prepare(importer.Spec(src, {"start": "Termin"}, WAW.key, table="wizyty"))
    report = sync.import_rows(store, prepared, now)
    assert (report.new, [(r.line, r.reason[:13]) for r in report.rejects]) == (
        2,
        [(3, "start 'bad' i")],
    )
    query = "SELECT id, Termin AS start, phone, practice FROM wizyty WHERE id = 1"
    prepared = importer.prepare(importer.Spec(src, {}, WAW.key, query=query))
    assert sync.import_rows(store, prepared, now).unchanged == 1
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest
    with pytest.raises(ImportFileError, match="cannot read table 'nope'"):
        importer.open_sqlite(src, "nope", None)
    with pytest.raises(ImportFileError, match="attempt to write a readonly database"):
        list(importer.open_sqlite(src, None, "DELETE FROM wizyty RETURNING id").records)


def test_reimport_is_byte_for_byte_idempotent(store: Store, tmp_path: Path) -> None:
    from tests.conftest import SAMPLE

    do_import(store, SAMPLE, now="2026-11-26 18:00")
    before = dump(store)
    report = do_import(store, SAMPLE, now="2026-11-27 08:00")
    assert (report.new, report.moved, report.updated, report.unchanged) == (0, 0, 0, 61)
    assert dump(store) == before


def test_changes_are_detected_and_recorded(store: Store, tmp_path: Path) -> None:
    first = (
        HEADER + "1,2026-11-24 10:00,601234567,Anna,P,\n2,2026-11-24 11:00,601234568,Ben,P,\n"
        "3,2026-11-24 12:00,601234569,Cyd,P,cancelled\n4,2026-11-24 13:00,601234560,Dan,P,\n"
    )
    do_import(store, csv_file(tmp_path, first), now="2026-11-20 10:00")
    second = (
        HEADER + "1,2026-11-25 10:00,601234567,Anna,P,\n2,2026-11-24 11:00,601234568,Ben,P,cancelled\n"
        "3,2026-11-24 12:00,601234569,Cyd,P,\n4,2026-11-24 13:00,601234560,Daniel,P,\n"
        "5,2026-11-26 09:00,601234561,Eve,P,\n"
    )
    report = do_import(store, csv_file(tmp_path, second), now="2026-11-21 08:00")
    assert (report.new, report.moved, report.cancelled, report.restored, report.updated) == (
        1,
        1,
        1,
        1,
        1,
    )
    events = [
        (e["appointment"], e["kind"], e["detail"]) for e in store.query("SELECT * FROM events ORDER BY id")
    ]
    assert sorted(events) == [
        (1, "moved", None),
        (2, "cancelled", None),
        (3, "restored", None),
        (4, "updated", "patient"),
        (5, "booked", None),
    ]
    got = {r[0]: r[1:] for r in rows(store, "ext_id", "booked_at", "moved_at", "cancelled_at", "first_seen")}
    assert got["1"] == (
        "2026-11-21T07:00:00Z",
        "2026-11-21T07:00:00Z",
        None,
        "2026-11-20T09:00:00Z",
    )
    assert got["2"][2] == "2026-11-21T07:00:00Z"
    assert got["4"][0] == "2026-11-20T09:00:00Z"  # an edit is not a new booking


def test_booked_at_column_is_used_for_new_rows(store: Store, tmp_path: Path) -> None:
    text = "id,start,phone,practice,booked_at\n1,2026-11-24 10:00,601234567,P,2026-11-02 08:15\n"
    do_import(store, csv_file(tmp_path, text))
    assert rows(store, "booked_at", "first_seen") == [("2026-11-02T07:15:00Z", "2026-11-20T09:00:00Z")]


def test_missing_optional_column_keeps_stored_values(store: Store, tmp_path: Path) -> None:
    do_import(store, csv_file(tmp_path, HEADER + "1,2026-11-24 10:00,601234567,Anna,P,\n"))
    report = do_import(store, csv_file(tmp_path, "id,start,phone,practice\n1,2026-11-24 10:00,601234567,P\n"))
    assert report.unchanged == 1
    assert rows(store, "patient") == [("Anna",)]


def test_full_cancels_missing_future_visits_only(store: Store, tmp_path: Path) -> None:
    text = (
        HEADER + "1,2026-11-18 10:00,601234567,past,P,\n2,2026-11-24 10:00,601234568,kept,P,\n"
        "3,2026-11-25 10:00,601234569,dropped,P,\n4,2026-11-25 10:00,601234569,other practice,Q,\n"
    )
    do_import(store, csv_file(tmp_path, text))
    report = do_import(
        store,
        csv_file(tmp_path, HEADER + "2,2026-11-24 10:00,601234568,kept,P,\n"),
        now="2026-11-21 10:00",
        full=True,
    )
    assert report.removed == 1
    assert rows(store, "ext_id", "status") == [
        ("1", "scheduled"),
        ("2", "scheduled"),
        ("3", "cancelled"),
        ("4", "scheduled"),
    ]
    assert store.scalar("SELECT detail FROM events WHERE kind = 'cancelled'") == "missing from --full import"


def test_full_refuses_to_empty_a_practice(store: Store, tmp_path: Path) -> None:
    do_import(store, csv_file(tmp_path, HEADER + "1,2026-11-24 10:00,601234567,A,P,\n"))
    before = dump(store)
    with pytest.raises(ImportFileError, match="would cancel all 1 of its future appointments"):
        do_import(store, csv_file(tmp_path, "id,start,phone\n"), full=True, practice="P")
    assert dump(store) == before


def test_baseline_and_no_notify_mark_changes_as_told(store: Store, tmp_path: Path) -> None:
    do_import(store, csv_file(tmp_path, HEADER + "1,2026-11-24 10:00,601234567,A,P,\n"))
    assert rows(store, "told_status", "told_start") == [("scheduled", "2026-11-24T09:00:00Z")]
    text = HEADER + "1,2026-11-25 10:00,601234567,A,P,\n2,2026-11-26 10:00,601234568,B,P,\n"
    do_import(store, csv_file(tmp_path, text), now="2026-11-21 10:00")
    assert rows(store, "told_status", "told_start") == [
        ("scheduled", "2026-11-24T09:00:00Z"),  # moved, patient not told yet
        (None, "2026-11-26T09:00:00Z"),  # new, not confirmed yet
    ]
    text = HEADER + "1,2026-11-27 10:00,601234567,A,P,\n2,2026-11-26 10:00,601234568,B,P,cancelled\n"
    do_import(store, csv_file(tmp_path, text), now="2026-11-21 11:00", quiet=True)
    assert rows(store, "told_status", "told_start") == [
        ("scheduled", "2026-11-27T09:00:00Z"),
        ("cancelled", "2026-11-26T09:00:00Z"),
    ]


def test_a_cell_over_the_csv_field_limit_rejects_its_row_not_the_file(tmp_path: Path) -> None:
    good = "".join(f"{i},2026-11-24 10:00,601234567,A,P,\n" for i in range(300))
    huge = "301,2026-11-24 10:00,601234567," + "x" * 200_000 + ",P,\n"
    path = csv_file(tmp_path, HEADER + good + huge + "302,2026-11-24 11:00,601234567,B,P,\n")
    store = Store(tmp_path / "db.sqlite", create=True)
    report = do_import(store, path)
    assert [(r.line, r.reason) for r in report.rejects] == [
        (302, "not valid CSV (field larger than field limit (131072))")
    ]
    assert (report.new, report.structural) == (301, 1)
    assert store.scalar("SELECT patient FROM appointments WHERE ext_id = '302'") == "B"


def test_hash_collisions_are_not_mistaken_for_duplicates(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "hash", lambda _key: 42, raising=False)  # every key collides
    rows = (
        "".join(f"{i},2026-11-24 10:00,60123456{i},P{i},P,\n" for i in range(5))
        + "3,2026-11-25 10:00,601234563,dup,P,\n"
    )
    report = do_import(store, csv_file(tmp_path, HEADER + rows))
    assert (report.new, [(r.line, r.reason) for r in report.rejects]) == (
        5,
        [(7, "duplicate id '3' (already earlier in the file)")],
    )
    staged = (
        "".join(f"{i},2026-11-24 10:00,60123456{i},P{i},P,\n" for i in range(5, 8))
        + "6,2026-11-25 10:00,601234566,x,P,\n"
    )
    report = do_import(store, csv_file(tmp_path, HEADER + staged), now="2026-11-21 10:00")
    assert report.new == 3 and [r.line for r in report.rejects] == [5]
    assert len(rows_of(store)) == 8


@pytest.mark.parametrize("into", ["empty-store-bulk-load", "store-with-another-practice"])
def test_duplicates_rejected_the_same_on_both_paths(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, into: str
) -> None:
    """A bulk load finds duplicates by building its unique index, other imports while
    reading; both keep the first occurrence and name each later one's line, across chunks."""
    if into == "store-with-another-practice":
        do_import(store, csv_file(tmp_path, HEADER + "9,2026-11-24 10:00,601234500,Z,Other,\n"))
    monkeypatch.setattr(sync, "_CHUNK", 2)
    text = HEADER + (
        "1,2026-11-24 10:00,601234567,first one,P,\n"  # line 2
        "x,2026-11-24 10:00,,no phone,P,\n"
        "2,2026-11-24 11:00,601234568,first two,P,\n"
        "\n"
        "1,2026-11-25 10:00,601234567,again one,P,\n"  # line 6
        '3,2026-11-24 12:00,601234569,"three,\nwith a line break",P,\n'
        "2,2026-11-25 11:00,601234568,again two,P,\n"  # line 9
        "1,2026-11-26 10:00,601234567,third one,P,\n"
    )
    report = do_import(store, csv_file(tmp_path, text), now="2026-11-20 11:00")
    assert [(r.line, r.reason) for r in report.rejects] == [
        (3, "phone is empty"),
        (6, "duplicate id '1' (already earlier in the file)"),
        (9, "duplicate id '2' (already earlier in the file)"),
        (10, "duplicate id '1' (already earlier in the file)"),
    ]
    assert (report.new, report.rejected) == (3, 4)
    stored = store.query("SELECT ext_id, patient FROM appointments WHERE practice = 'P' ORDER BY ext_id")
    assert [(r["ext_id"], r["patient"]) for r in stored] == [
        ("1", "first one"),
        ("2", "first two"),
        ("3", "three,\nwith a line break"),
    ]
    keys = store.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'appointments_key'")
    assert len(keys) == 1


def rows_of(store: Store) -> list[tuple]:
    return rows(store, "ext_id")


def test_a_cp1250_file_plain_ascii_for_its_first_64k_is_read_as_cp1250(store: Store, tmp_path: Path) -> None:
    plain = "".join(f"{i},2026-11-24 10:00,601234567,Anna,P,\n" for i in range(2000))  # ASCII, > 64 KiB
    path = csv_file(
        tmp_path, HEADER + plain + "9999,2026-11-24 10:00,601234567,Łucja Żółć,P,\n", encoding="cp1250"
    )
    assert path.stat().st_size > 1 << 16
    report = do_import(store, path)
    assert (report.new, report.rejected) == (2001, 0)
    assert store.scalar("SELECT patient FROM appointments WHERE ext_id = '9999'") == "Łucja Żółć"
