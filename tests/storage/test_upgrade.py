"""A database made by the previous version is brought up to date by its first command.

Migration 012 folds the index on ``booked_at`` into the start index; the
late-booking search of a run then reads that index (planner.late_bookings).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from smsremind.storage.migrations import MIGRATIONS
from tests.cli.cron import HEAD, cron, install, pragma


def _as_before_012(db: Path) -> None:
    """The schema and bookkeeping of a database last opened by the version before 012."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DROP INDEX appointments_by_start")
        conn.execute("CREATE INDEX appointments_by_start ON appointments (start)")
        conn.execute("CREATE INDEX appointments_by_booked_at ON appointments (booked_at)")
        conn.execute("DELETE FROM _migrations WHERE name = '012_start_covers_booked_at'")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) - 1}")
    conn.close()


def _indexes(db: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'appointments'")]
    found = {
        n: [r[2] for r in conn.execute(f"PRAGMA index_info('{n}')")] for n in names if n != "appointments"
    }
    conn.close()
    return found


def test_an_older_database_gets_the_start_index_and_still_reports_a_late_booking(tmp_path: Path) -> None:
    assert MIGRATIONS[-1][0] == "012_start_covers_booked_at"
    install(tmp_path, "[reminders]\nhours_before = 48\n", rows=3)
    db = tmp_path / "smsremind.db"
    cron(tmp_path, "run", now="2026-12-01 10:00")
    _as_before_012(db)
    assert "appointments_by_booked_at" in _indexes(db)
    # Booked on Tuesday for Wednesday 09:00: its reminder was due on Monday, a day no later run
    # plans, so only the late-booking search finds it and the next run reports it once.
    late = HEAD + "9,2026-12-02 09:00,+48601239999,P9,Gabinet\n"
    (tmp_path / "late.csv").write_text(late, encoding="utf-8")
    cron(tmp_path, "-q", "import", "late.csv", now="2026-12-01 10:30")  # the first command: migrates

    found = _indexes(db)
    assert found["appointments_by_start"] == ["start", "booked_at"]
    assert "appointments_by_booked_at" not in found
    assert pragma(db, "user_version") == len(MIGRATIONS)
    assert pragma(db, "integrity_check") == "ok"
    done = cron(tmp_path, "run", "--json", now="2026-12-01 10:45")
    skipped = [m for m in json.loads(done.stdout)["messages"] if m["status"] == "skipped"]
    assert [(m["appointments"], m["reason"]) for m in skipped] == [(["9"], "booked-too-late")]
