"""Excel and iCalendar import benchmark (issue 15): rows/s, CPU and peak RSS at two sizes.

Files come from the same generator as the CSV bench (``gen.rows``): a
workbook with a title row, the day and the time in two cells (date and time
cells, as Excel reports give them), phones as numbers and local status
words; a calendar with a VTIMEZONE, X-WR-TIMEZONE, the phone in the
description, a few cancelled visits and one weekly series per 500 events.
Each size is imported into a fresh database (baseline), then again
unchanged, in a fresh process each, ``--repeat`` times; reported: medians of
wall and CPU (user+sys) seconds, rows per wall second, and peak RSS.  Two
sizes (a quarter and the whole) show whether memory grows with the file.

Peak RSS of an import includes SQLite's page cache, which the import lets
grow to 64 MB (``sync._IMPORT_CACHE_KIB``) with the database; so the reader
is also measured alone (``reader_peak_rss_mb``: every record read and
validated, nothing stored; it includes the cache of parsed start texts,
one entry per distinct text up to 200,000) and the records alone
(``raw_records_peak_rss_mb``), which is what streaming keeps flat.

The files are written by a child process: Linux carries a process's peak
RSS over into what ``wait4`` reports for the programs it then starts, so a
parent grown by writing a workbook would inflate every figure after it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

from gen import rows
from import_bench import SMSREMIND, bytecode, fresh_install, measure

HERE = Path(__file__).resolve().parent
TODAY = date(2026, 11, 23)
NOW = "2026-11-23 07:00"
MAPS = ["--map", "id=Nr", "--map", "date=Data", "--map", "time=Godzina", "--map", "patient=Pacjent",
        "--map", "phone=Telefon", "--map", "status=Stan", "--map", "practice=Praktyka"]  # fmt: skip


def write_xlsx(path: Path, total: int) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)  # streams rows to disk, as big exports are written
    ws = book.create_sheet("Wizyty")
    ws.append(["Raport wizyt"])
    ws.append(["Nr", "Data", "Godzina", "Pacjent", "Telefon", "Stan", "Praktyka"])
    for vid, start, patient, phone, practice, _doctor, status, _lang in rows(total, 2000, TODAY):
        at = datetime.strptime(start, "%Y-%m-%d %H:%M")
        number = int(phone[3:]) if phone.startswith("+48") else phone
        word = "odwołana" if status == "cancelled" else "potwierdzona"
        ws.append([int(vid), at.replace(hour=0, minute=0), at.time(), patient, number, word, practice])
    book.save(path)
    add_dimension(path, f"A1:G{total + 2}")


def add_dimension(path: Path, ref: str) -> None:
    """Store the sheet's size, as Excel and LibreOffice do and openpyxl's write-only mode does not.

    Without it openpyxl reads the whole sheet once more while opening the
    workbook, just to find its size (see docs/performance.md).
    """
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b"<sheetViews>", f'<dimension ref="{ref}" /><sheetViews>'.encode(), 1)
            new.writestr(item, data)
    tmp.replace(path)


WARSAW = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Warsaw\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)


def write_ics(path: Path, total: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nX-WR-TIMEZONE:Europe/Warsaw\r\n"
            + WARSAW
        )
        for vid, start, patient, phone, _practice, _doctor, status, _lang in rows(total, 2000, TODAY):
            at = datetime.strptime(start, "%Y-%m-%d %H:%M")
            weekly = "RRULE:FREQ=WEEKLY;COUNT=20\r\n" if int(vid) % 500 == 0 else ""
            fh.write(
                f"BEGIN:VEVENT\r\nUID:{vid}@bench\r\nDTSTAMP:20261101T000000Z\r\n"
                f"DTSTART;TZID=Europe/Warsaw:{at:%Y%m%dT%H%M%S}\r\n{weekly}"
                f"SUMMARY:{patient}\r\nDESCRIPTION:Wizyta kontrolna\\, tel. {phone}\r\n"
                f"STATUS:{'CANCELLED' if status == 'cancelled' else 'CONFIRMED'}\r\nEND:VEVENT\r\n"
            )
        fh.write("END:VCALENDAR\r\n")


READER = r"""
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from smsremind.intake import formats, importer, sync
args = sys.argv[2:]
mapping = dict(arg.split("=", 1) for arg in args if "=" in arg)  # the --map pairs
practice = args[args.index("--practice") + 1] if "--practice" in args else None
spec = importer.Spec(Path(sys.argv[1]), mapping, "Europe/Warsaw", practice)
now = datetime(2026, 11, 23, 7, tzinfo=ZoneInfo("Europe/Warsaw"))
prepared = formats.prepare(spec, formats.Options(now))
if "--raw" in args:  # the records only, before validation (no date cache either)
    print(sum(1 for _ in prepared.source.records))
else:  # dedupe=False as in a bulk load: the hash set of seen ids is sync's, not the reader's
    print(sum(len(b.rows) for b in prepared.batches(sync._CHUNK, dedupe=False)))
"""


def run(path: Path, total: int, extra: list[str], repeat: int) -> dict:
    first, again = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            fresh_install(Path(tmp))
            argv = [SMSREMIND, "--now", NOW, "import", str(path), *extra]
            first.append(measure(argv, cwd=tmp, ok=(0, 3)))  # 3: the generator's few bad phones
            again.append(measure(argv, cwd=tmp, ok=(0, 3)))
    wall = statistics.median(w for w, _, _ in first)
    reader = measure([sys.executable, "-c", READER, str(path), *extra])
    raw = measure([sys.executable, "-c", READER, str(path), *extra, "--raw"])
    return {
        "file": path.name,
        "rows": total,
        "mb": round(path.stat().st_size / 2**20, 1),
        "import_s": round(wall, 2),
        "import_cpu_s": round(statistics.median(c for _, c, _ in first), 2),
        "rows_per_s": round(total / wall),
        "peak_rss_mb": max(r for _, _, r in first),
        "reimport_s": round(statistics.median(w for w, _, _ in again), 2),
        "reimport_cpu_s": round(statistics.median(c for _, c, _ in again), 2),
        "reimport_peak_rss_mb": max(r for _, _, r in again),
        "reader_s": round(reader[0], 2),
        "reader_cpu_s": round(reader[1], 2),
        "reader_peak_rss_mb": reader[2],
        "raw_records_peak_rss_mb": raw[2],
        "rounds": [
            {
                "wall": round(w, 2),
                "cpu": round(c, 2),
                "rss": r,
                "again_wall": round(w2, 2),
                "again_cpu": round(c2, 2),
            }
            for (w, c, r), (w2, c2, _) in zip(first, again, strict=True)
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    ap.add_argument("--ics-events", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / "out"))
    ap.add_argument("--write", nargs=3, metavar=("KIND", "ROWS", "PATH"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.write:  # the child that writes one file (see the module docstring)
        kind, total, path = a.write
        (write_xlsx if kind == "xlsx" else write_ics)(Path(path), int(total))
        return
    bytecode()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for kind, full, extra in (
        ("xlsx", a.xlsx_rows, MAPS),
        ("ics", a.ics_events, ["--practice", "Gabinet"]),
    ):
        for total in (full // 4, full):
            path = out / f"appointments-{total}.{kind}"
            if not path.exists():
                subprocess.run([sys.executable, __file__, "--write", kind, str(total), str(path)], check=True)
            results.append(run(path, total, extra, a.repeat))
            print(json.dumps(results[-1]), flush=True)
    (out / "formats.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
