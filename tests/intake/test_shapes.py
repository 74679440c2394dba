"""What practices' exports look like: a day and a time apart, local words, standard input."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from smsremind.intake import words
from tests.conftest import Cli, csv_file
from tests.intake.test_formats import VISITS, write_ics, write_xlsx


def stored(app: Cli, cols: str = "ext_id, start") -> list[tuple]:
    with sqlite3.connect(app.folder / "smsremind.db") as conn:
        return conn.execute(f"SELECT {cols} FROM appointments ORDER BY ext_id").fetchall()


def test_a_date_without_a_time_is_rejected_not_midnight(app: Cli) -> None:
    path = csv_file(app.folder, "Nr;Data;Tel\n1;07.12.2026;601234567\n2;2026-12-07;601234568\n")
    result = app("import", str(path), "--map", "id=Nr", "--map", "start=Data", "--map", "phone=Tel",
                 "--practice", "P", now="2026-11-20 10:00", code=3)  # fmt: skip
    hint = "has no time of day (a separate time column: --map time=NAME)"
    assert result.stderr.splitlines() == [
        f"{path}: line 2: start '07.12.2026' {hint}",
        f"{path}: line 3: start '2026-12-07' {hint}",
    ]
    assert stored(app) == []


def test_date_and_time_columns_with_every_way_of_writing_the_time(app: Cli) -> None:
    rows = [
        "1;07.12.2026;9:00", "2;07.12.2026;09:00", "3;07.12.2026;09.00", "4;2026-12-07;9:00:00",
        "5;07.12.2026;", "6;07.12.2026;25:00", "7;;10:00", "8;07.12.2026;9.5",
    ]  # fmt: skip
    path = csv_file(app.folder, "Nr;Data;Godzina;Tel\n" + "".join(f"{r};601234567\n" for r in rows))
    doc = app.json("import", str(path), "--map", "id=Nr", "--map", "date=Data", "--map", "time=Godzina",
                   "--map", "phone=Tel", "--practice", "P", now="2026-11-20 10:00", code=3)  # fmt: skip
    assert stored(app) == [(str(i), "2026-12-07T08:00:00Z") for i in range(1, 5)]
    assert [(r["line"], r["reason"].split(" (")[0]) for r in doc["rejects"]] == [
        (6, "start '07.12.2026' has no time of day"),
        (7, "start '07.12.2026 25:00' is not a valid date and time"),
        (8, "start '10:00' is not a date and time"),
        (9, "start '07.12.2026 9.5' is not a date and time"),
    ]


def test_date_and_time_columns_from_the_config(make_app) -> None:
    app = make_app('[import.columns]\nid = "Nr"\ndate = "Data"\ntime = "Godzina"\nphone = "Tel"\n')
    path = csv_file(app.folder, "Nr,Data,Godzina,Tel,Extra\n1,07.12.2026,14.30,601234567,x\n")
    assert app.json("import", str(path), "--practice", "P", now="2026-11-20 10:00")["new"] == 1
    assert stored(app) == [("1", "2026-12-07T13:30:00Z")]


def test_status_words_of_pl_cs_en_and_the_practice(make_app) -> None:
    app = make_app('[import.status]\ncancelled = ["nie przyszedł"]\nscheduled = ["w trakcie"]\n')
    statuses = ["Odwołana", "ODWOLANO", "anulowana", "Zrušeno", "zrusena", "storno", "Canceled",
                "zaplanowana", "Potwierdzona", "objednáno", "potvrzeno", "scheduled", "",
                "Nie przyszedł", "W TRAKCIE", "przełożona"]  # fmt: skip
    lines = "".join(
        f"{i},2026-12-07 {8 + i // 4}:{15 * (i % 4):02d},60123{i:04d},P,{s}\n" for i, s in enumerate(statuses)
    )
    doc = app.json("import", str(csv_file(app.folder, "id,start,phone,practice,status\n" + lines)),
                   now="2026-11-20 10:00", code=3)  # fmt: skip
    got = dict(stored(app, "ext_id, status"))
    assert [got[str(i)] for i in range(15)] == ["cancelled"] * 7 + ["scheduled"] * 6 + [
        "cancelled",
        "scheduled",
    ]
    accepted = words.statuses({"cancelled": ["nie przyszedł"], "scheduled": ["w trakcie"]}).accepted()
    assert doc["rejects"] == [
        {"line": 17, "reason": "status 'przełożona' is not scheduled or cancelled "
                               f"(accepted words: {accepted}; add yours in [import.status])"}
    ]  # fmt: skip
    assert accepted.startswith("scheduled: w trakcie, scheduled, confirmed")
    assert "cancelled: nie przyszedł, cancelled, canceled" in accepted


def test_language_words(app: Cli) -> None:
    given = ["polski", "PL", "pl-PL", "čeština", "CZ", "cestina", "English", "", "niemiecki"]
    lines = "".join(f"{i},2026-12-07 10:{i:02d},60123{i:04d},P,{w}\n" for i, w in enumerate(given))
    doc = app.json("import", str(csv_file(app.folder, "id,start,phone,practice,language\n" + lines)),
                   now="2026-11-20 10:00", code=3)  # fmt: skip
    assert [r[1] for r in stored(app, "ext_id, language")] == ["pl", "pl", "pl", "cs", "cs", "cs", "en", None]
    assert doc["rejects"][0]["reason"].startswith(
        "language 'niemiecki' is not pl, cs or en (accepted words: pl: pl,"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[import.status]\ncancelled = "odwołana"\n', "must map scheduled/cancelled to lists of words"),
        ('[import.status]\nlost = ["x"]\n', "unknown status 'lost': only scheduled and cancelled"),
        ('[import.status]\ncancelled = ["Tak"]\nscheduled = ["tak"]\n',
         "'tak' cannot mean both scheduled and cancelled"),
    ],
    ids=["not-a-list", "unknown-status", "both"],
)  # fmt: skip
def test_bad_status_words_in_the_config(make_app, config: str, message: str) -> None:
    app = make_app()
    (app.folder / "smsremind.toml").write_text("enabled = true\n" + config, encoding="utf-8")
    assert message in app("status", code=1).stderr


def test_csv_from_standard_input(app: Cli) -> None:
    text = "id;start;phone;patient\n1;07.12.2026 9:00;601234567;Łucja Żółć\n2;07.12.2026;601234568;X\n"
    result = app(
        "import", "-", "--practice", "P", input=text.encode("cp1250"), now="2026-11-20 10:00", code=3
    )
    assert result.stderr.startswith("standard input: line 3: start '07.12.2026' has no time of day")
    assert stored(app, "ext_id, patient") == [("1", "Łucja Żółć")]
    empty = app("import", "-", "--practice", "P", input=b"", code=1)
    assert empty.stderr.startswith("smsremind: error: standard input: empty; pipe a file in")
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob("smsremind-stdin-*"))


BIN = Path(sys.executable).parent / "smsremind"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["xlsx", "ics"])
def test_workbook_and_calendar_piped_in_from_cron(tmp_path: Path, fmt: str) -> None:
    """The installed binary, cron's bare environment, the file on standard input."""
    env = {"PATH": "/usr/bin:/bin"}
    subprocess.run([str(BIN), "init"], cwd=tmp_path, env=env, check=True, capture_output=True)
    path = write_xlsx(tmp_path, VISITS) if fmt == "xlsx" else write_ics(tmp_path, VISITS)
    maps = ["--map", "id=Nr", "--map", "date=Data", "--map", "time=Godzina", "--map", "phone=Telefon"]
    argv = [
        str(BIN),
        "--now",
        "2026-11-20 10:00",
        "import",
        "-",
        "--practice",
        "P",
        *(maps if fmt == "xlsx" else []),
    ]
    outputs = []
    for _ in range(2):
        with open(path, "rb") as fh:
            done = subprocess.run(
                argv, cwd=tmp_path, env=env, stdin=fh, capture_output=True, text=True, timeout=120
            )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    assert outputs[0].startswith("Imported standard input: 3 new, 0 moved")
    assert outputs[1] == ""  # unchanged the second time: nothing for cron to mail
    broken = subprocess.run(
        argv, cwd=tmp_path, env=env, input=b"PK\x03\x04broken", capture_output=True, timeout=120
    )
    assert broken.returncode == 1
    assert broken.stderr.decode() == (
        "smsremind: error: standard input: cannot read this Excel workbook "
        "(damaged file: broken zip archive)\n"
    )
