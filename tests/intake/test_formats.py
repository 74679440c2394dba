"""Every import format through the CLI: imported, re-imported, moved, cancelled (issue 15).

The files are made here the way practices' programs write them: openpyxl
writes the workbook (a title row above the header, day and time in two
columns, Excel date and time cells, phones as numbers); the calendar is
iCalendar text with a VTIMEZONE, as Google exports it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import Cli

ON = "[notify]\nconfirmation = true\nreschedule = true\ncancellation = true\n"
# (id, local start, phone, patient, cancelled)
Visit = tuple[str, str, str, str, bool]
VISITS: list[Visit] = [
    ("1", "2026-12-10 10:00", "601234501", "Anna Nowak", False),
    ("2", "2026-12-10 11:30", "601234502", "Jan Kowalski", False),
    ("3", "2026-12-11 09:15", "601234503", "Ewa Dąb", False),
]
CHANGED: list[Visit] = [
    ("1", "2026-12-14 16:45", "601234501", "Anna Nowak", False),  # moved
    ("2", "2026-12-10 11:30", "601234502", "Jan Kowalski", True),  # cancelled
    ("3", "2026-12-11 09:15", "601234503", "Ewa Dąb", False),
]


def write_csv(folder: Path, visits: list[Visit]) -> Path:
    lines = ["Nr;Data;Godzina;Pacjent;Telefon;Stan"]
    for vid, start, phone, patient, cancelled in visits:
        day, clock = start.split()
        d = datetime.strptime(day, "%Y-%m-%d")
        lines.append(f"{vid};{d:%d.%m.%Y};{clock.replace(':', '.')};{patient};{phone};"
                     f"{'zrušeno' if cancelled else 'objednáno'}")  # fmt: skip
    path = folder / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="cp1250")
    return path


def write_xlsx(folder: Path, visits: list[Visit]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Raport"
    ws.append(["Raport wizyt — Gabinet"])
    ws.append([])
    ws.append(["Nr", "Data", "Godzina", "Pacjent", "Telefon", "Stan"])
    for vid, start, phone, patient, cancelled in visits:
        at = datetime.strptime(start, "%Y-%m-%d %H:%M")
        ws.append([int(vid), at.replace(hour=0, minute=0), at.time(), patient, int(phone),
                   "Odwołana" if cancelled else "Potwierdzona"])  # fmt: skip
    path = folder / "raport.xlsx"
    book.save(path)
    return path


def write_ics(folder: Path, visits: list[Visit]) -> Path:
    events = []
    for vid, start, phone, patient, cancelled in visits:
        at = datetime.strptime(start, "%Y-%m-%d %H:%M")
        events.append(
            f"BEGIN:VEVENT\r\nUID:{vid}\r\nDTSTART;TZID=Europe/Warsaw:{at:%Y%m%dT%H%M%S}\r\n"
            f"SUMMARY:{patient}\r\nDESCRIPTION:Kontrola\\, tel. {phone}\r\n"
            + ("STATUS:CANCELLED\r\n" if cancelled else "STATUS:CONFIRMED\r\n")
            + "END:VEVENT\r\n"
        )
    path = folder / "kalendarz.ics"
    path.write_text(calendar("".join(events)), encoding="utf-8")
    return path


WARSAW = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Warsaw\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)


def calendar(events: str, head: str = "X-WR-TIMEZONE:Europe/Warsaw\r\n") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        + head + WARSAW + events + "END:VCALENDAR\r\n"
    )  # fmt: skip


MAPS = ["--map", "id=Nr", "--map", "date=Data", "--map", "time=Godzina", "--map", "patient=Pacjent",
        "--map", "phone=Telefon", "--map", "status=Stan"]  # fmt: skip
FORMATS: dict[str, tuple[Callable[[Path, list[Visit]], Path], list[str]]] = {
    "csv": (write_csv, MAPS),
    "xlsx": (write_xlsx, MAPS),
    "ics": (write_ics, []),
}


def notices(app: Cli, now: str) -> list[tuple]:
    doc = app.json("run", now=now)
    return [(m["kind"], m["appointments"], m["status"]) for m in doc["messages"] if m["kind"] != "reminder"]


def content(app: Cli) -> list[tuple]:
    """Every row of every table of the installation's database."""
    with sqlite3.connect(app.folder / "smsremind.db") as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return [(t, *row) for t in sorted(tables) for row in conn.execute(f"SELECT * FROM {t} ORDER BY 1")]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_imported_reimported_moved_and_cancelled(make_app: Callable[..., Cli], fmt: str) -> None:
    app = make_app(ON)
    write, maps = FORMATS[fmt]
    args = ["import", str(write(app.folder, VISITS)), "--practice", "Gabinet", *maps]

    first = app.json(*args, now="2026-11-20 10:00")
    assert (first["new"], first["rejected"], first["baseline"]) == (3, 0, ["Gabinet"])
    starts = app.json("explain", "1", now="2026-11-20 10:00")["appointment"]["start"]
    assert starts == "2026-12-10 10:00"
    assert notices(app, "2026-11-20 10:05") == []

    before = content(app)
    again = app.json(*args, now="2026-11-20 11:00")
    assert (again["new"], again["moved"], again["cancelled"], again["updated"], again["unchanged"]) == (
        0, 0, 0, 0, 3,
    )  # fmt: skip
    assert content(app) == before  # nothing written, nothing queued
    assert notices(app, "2026-11-20 11:05") == []

    write(app.folder, CHANGED)
    changed = app.json(*args, now="2026-11-20 12:00")
    assert (changed["moved"], changed["cancelled"], changed["unchanged"]) == (1, 1, 1)
    assert sorted(notices(app, "2026-11-20 12:05")) == [
        ("cancellation", ["2"], "sent"),
        ("reschedule", ["1"], "sent"),
    ]
    texts = sorted(m["text"] for m in app.outbox())
    assert texts[0] == "Gabinet: odwołano wizytę (czwartek, 10.12.2026, godz. 11:30)."
    assert texts[1].endswith("Nowy termin: poniedziałek, 14.12.2026, godz. 16:45.")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_full_import_cancels_what_the_file_no_longer_has(make_app: Callable[..., Cli], fmt: str) -> None:
    app = make_app(ON)
    write, maps = FORMATS[fmt]
    args = ["import", "--practice", "Gabinet", "--full", *maps]
    app.json(*args, str(write(app.folder, VISITS)), now="2026-11-20 10:00")
    report = app.json(*args, str(write(app.folder, VISITS[:2])), now="2026-11-20 11:00")
    assert (report["removed"], report["unchanged"]) == (1, 2)
    assert notices(app, "2026-11-20 11:05") == [("cancellation", ["3"], "sent")]


def test_xlsx_cells_become_exact_times_and_rows_keep_sheet_numbers(app: Cli) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Eksport z programu", None, None, "30.11.2026"])  # a title row, not the header
    ws.append(["id", "Termin", "telefon", "pacjent", "język"])
    ws.append(["a", datetime(2026, 12, 7, 10, 10), "601234567", "Ala", "polski"])
    ws.append(["b", datetime(2026, 12, 7), "601234568", "Bez godziny", ""])  # a date cell only
    ws.append(["c", 46363.4236111111, 601234569, "Serial", "CZ"])  # an unformatted serial number
    ws.append([])  # an empty row
    ws.append(["d", "2026-12-08 9:00", None, "Bez telefonu"])  # trailing empty cells left out
    ws.append(["e", "07.12.2026 12:00", 48601234570.0, "Float", "pl-PL"])
    ws["B5"].number_format = "General"
    book.save(app.folder / "w.xlsx")
    maps = ["--map", "start=Termin", "--map", "phone=telefon", "--map", "language=język"]
    result = app("import", "w.xlsx", *maps, "--practice", "P", now="2026-11-20 10:00", code=3)
    assert result.stderr.splitlines() == [
        "w.xlsx: row 4: start '2026-12-07' has no time of day (a separate time column: --map time=NAME)",
        "w.xlsx: row 7: phone is empty",
    ]
    with sqlite3.connect(app.folder / "smsremind.db") as conn:
        got = conn.execute("SELECT ext_id, start, phone, language FROM appointments ORDER BY 1").fetchall()
    assert got == [
        ("a", "2026-12-07T09:10:00Z", "601234567", "pl"),
        ("c", "2026-12-07T09:10:00Z", "601234569", "cs"),
        ("e", "2026-12-07T11:00:00Z", "48601234570", "pl"),
    ]


def test_xlsx_sheet_by_name(app: Cli) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Podsumowanie"])
    ws = book.create_sheet("Wizyty")
    ws.append(["id", "start", "phone"])
    ws.append([1, datetime(2026, 12, 7, 9, 0), "601234567"])
    book.save(app.folder / "w.xlsx")
    first = app("import", "w.xlsx", "--practice", "P", code=1)
    assert first.stderr.startswith(
        "smsremind: error: w.xlsx: not an appointments file: missing required column"
    )
    assert (
        app.json("import", "w.xlsx", "--sheet", "Wizyty", "--practice", "P", now="2026-11-20 10:00")["new"]
        == 1
    )
    other = app("import", "w.xlsx", "--sheet", "Arkusz9", "--practice", "P", code=1)
    assert other.stderr == "smsremind: error: w.xlsx: no sheet 'Arkusz9' (sheets: 'Sheet', 'Wizyty')\n"
    csv = app.folder / "x.csv"
    csv.write_text("id,start,phone\n1,2026-12-07 09:00,601234567\n")
    wrong = app("import", "x.csv", "--sheet", "Wizyty", "--practice", "P", code=2)
    assert "--sheet is for Excel workbooks; x.csv is csv" in wrong.stderr


def _broken_zip(folder: Path) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["id", "start", "phone"])
    book.save(folder / "ok.xlsx")
    return (folder / "ok.xlsx").read_bytes()[:600]


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("r.xlsx", lambda f: b"id,start,phone\n1,2026-12-07 09:00,601234567\n",
         "r.xlsx: not an Excel .xlsx workbook (its content is CSV or text); save it as .xlsx"),
        ("r.xlsx", _broken_zip, "r.xlsx: cannot read this Excel workbook (damaged file: broken zip archive)"),
        ("r.xlsx", lambda f: b"\xd0\xcf\x11\xe0" + bytes(600),
         "r.xlsx: an old Excel 97-2003 (.xls) or password-protected workbook; save it as .xlsx without "
         "a password, or as CSV"),
        ("k.ics", lambda f: calendar("").encode(),
         "k.ics: no events (VEVENT) in this calendar; nothing to import"),
        ("k.ics", lambda f: b"id,start,phone\n",
         "k.ics: not an iCalendar file (it does not start with BEGIN:VCALENDAR)"),
        ("k.ics", lambda f: calendar("BEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\n").encode() + b"\xb9\r\n",
         "k.ics: not an iCalendar file (not UTF-8 text)"),
    ],
    ids=["xlsx-that-is-csv", "broken-zip", "xls", "ics-no-vevent", "ics-that-is-csv", "ics-not-utf8"],
)  # fmt: skip
def test_bad_files_are_one_line_exit_1_and_change_nothing(
    app: Cli, name: str, make: Callable[[Path], bytes], message: str
) -> None:
    (app.folder / "a.csv").write_text("id,start,phone\n1,2026-12-07 09:00,601234567\n")
    app("import", "a.csv", "--practice", "P", now="2026-11-20 10:00")
    before = content(app)
    (app.folder / name).write_bytes(make(app.folder))
    result = app("import", name, "--practice", "P", now="2026-11-20 11:00", code=1)
    assert result.stderr == f"smsremind: error: {message}\n"
    assert content(app) == before


def test_a_workbook_or_calendar_without_its_extension_is_still_recognised(app: Cli) -> None:
    write_xlsx(app.folder, VISITS).rename(app.folder / "export")
    assert app.json("import", "export", "--practice", "P", *MAPS, now="2026-11-20 10:00")["new"] == 3
    write_ics(app.folder, VISITS).rename(app.folder / "feed.txt")
    again = app.json("import", "feed.txt", "--practice", "P", now="2026-11-20 11:00")
    assert (again["new"], again["unchanged"]) == (0, 3)  # the same visits, whatever the format


def test_a_feed_address_is_not_fetched(app: Cli) -> None:
    url = "https://calendar.google.com/calendar/ical/x/basic.ics"
    result = app("import", url, "--practice", "P", code=1)
    assert (
        result.stderr
        == f"smsremind: error: {url}: a feed address; download the .ics file and import the file\n"
    )


def test_time_cells_round_to_the_second() -> None:
    from smsremind.intake.xlsx import _serial_text, _text

    assert _text(datetime(2026, 12, 7, 10, 9, 59, 999_500)) == "2026-12-07 10:10:00"
    assert _text(time(9, 0)) == "09:00:00"
    assert _serial_text(0.375, datetime(1899, 12, 30)) == "09:00:00"
    assert _serial_text(46363.5, datetime(1899, 12, 30)) == "2026-12-07 12:00:00"
    assert _serial_text(44901.5, datetime(1904, 1, 1)) == "2026-12-07 12:00:00"  # a Mac workbook


def test_a_wrong_stored_sheet_size_does_not_cut_rows_or_columns(app: Cli) -> None:
    """Some exporters store a sheet size of A1:A1; every row and column is still read."""
    import zipfile

    write_xlsx(app.folder, VISITS)
    good, bad = app.folder / "raport.xlsx", app.folder / "small.xlsx"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(bad, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b'<dimension ref="A1:F6"', b'<dimension ref="A1:A1"')
                assert b'ref="A1:A1"' in data
            new.writestr(item, data)
    assert app.json("import", "small.xlsx", "--practice", "P", *MAPS, now="2026-11-20 10:00")["new"] == 3
