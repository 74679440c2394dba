"""`purge` never causes a second SMS: what a visit not yet over needs is kept (issue 13.5)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.cron import cron

HEAD = "id,start,phone,patient,practice\n"
ROWS = (
    "1,2026-11-20 10:00,+48601230001,Past,Gabinet\n"
    "2,2026-12-01 14:00,+48601230002,Tomorrow,Gabinet\n"
    "3,2026-12-01 16:00,+48601230003,Tomorrow too,Gabinet\n"
)


def counts(folder: Path) -> tuple[int, int]:
    with sqlite3.connect(folder / "smsremind.db") as conn:
        return (
            conn.execute("SELECT count(*) FROM appointments").fetchone()[0],
            conn.execute("SELECT count(*) FROM messages").fetchone()[0],
        )


def sent(folder: Path) -> list[list[str]]:
    lines = (folder / "outbox.jsonl").read_text().splitlines()
    return [json.loads(line)["appointments"] for line in lines]


def test_purge_refuses_a_date_after_yesterday_and_keeps_what_exactly_once_needs(tmp_path: Path) -> None:
    config = tmp_path / "smsremind.toml"
    config.write_text("enabled = true\n", encoding="utf-8")
    config.chmod(0o600)
    cron(tmp_path, "init")
    (tmp_path / "export.csv").write_text(HEAD + ROWS)
    cron(tmp_path, "-q", "import", "export.csv", now="2026-11-19 10:00")
    cron(tmp_path, "-q", "run", now="2026-11-30 14:05")  # reminds visit 2; visit 3 is due at 16:00
    assert sent(tmp_path) == [["2"]]
    before = counts(tmp_path)

    for day in ("2030-01-01", "2026-11-30", "2026-12-01"):
        done = cron(tmp_path, "purge", "--before", day, now="2026-11-30 15:00", code=2)
        assert done.stdout == "" and done.stderr.count("\n") == 1
        assert "at most 2026-11-29 (yesterday)" in done.stderr and "nothing deleted" in done.stderr
        assert counts(tmp_path) == before

    done = cron(tmp_path, "purge", "--before", "2026-11-29", now="2026-11-30 15:00")
    assert done.stdout == "Deleted 1 appointment and 0 messages before 2026-11-29\n"

    # the calendar is exported again, as cron does every 5 minutes: nothing is sent twice
    cron(tmp_path, "-q", "import", "export.csv", "--full", now="2026-11-30 15:05")
    for now in ("2026-11-30 15:10", "2026-11-30 16:05", "2026-11-30 19:00"):
        cron(tmp_path, "-q", "run", now=now)
    assert sent(tmp_path) == [["2"], ["3"]]
