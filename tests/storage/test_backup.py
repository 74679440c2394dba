"""`smsremind backup FILE`: a consistent, private copy of the live database (issue 13.7)."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
from pathlib import Path

from tests.cli.cron import CRON_ENV, cron, install, quiet


def rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM appointments").fetchone()[0])


def test_backup_is_consistent_while_another_process_writes(tmp_path: Path) -> None:
    install(tmp_path, rows=5)
    db = tmp_path / "smsremind.db"
    writer = sqlite3.connect(db, isolation_level=None, timeout=30)
    writer.execute("BEGIN IMMEDIATE")  # a run or an import in the middle of its transaction
    columns = "start, phone, status, booked_at, first_seen, changed_at"
    writer.execute(
        f"INSERT INTO appointments (practice, ext_id, {columns}) "
        f"SELECT practice, ext_id || 'x', {columns} FROM appointments"
    )
    try:
        done = subprocess.run(
            ["env", "-i", f"PATH={CRON_ENV['PATH']}", "smsremind", "backup", "copies/monday.db"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert done.returncode == 0 and done.stderr == "", done
    copy = tmp_path / "copies" / "monday.db"
    assert done.stdout.startswith(f"Backed up {db} to copies/monday.db (")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert rows(copy) == 5 and rows(db) == 10  # the snapshot before the unfinished write
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"

    # the copy is a working database: point a config at it
    (tmp_path / "restore.toml").write_text('database = "copies/monday.db"\n')
    (tmp_path / "restore.toml").chmod(0o600)
    assert (
        "Today (2026-11-30)"
        in cron(tmp_path, "--config", "restore.toml", "status", now="2026-11-30 10:00").stdout
    )

    # again, quietly, onto the same name (a weekly rotation): replaced whole, still private
    quiet(cron(tmp_path, "-q", "backup", "copies/monday.db"))
    assert rows(copy) == 10 and stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert not [p.name for p in copy.parent.iterdir() if p.name.endswith(".tmp")]


def test_backup_never_writes_through_a_symlink_or_onto_the_live_database(tmp_path: Path) -> None:
    install(tmp_path)
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (tmp_path / "link.db").symlink_to(victim)
    done = cron(tmp_path, "backup", "link.db", code=1)
    assert "link.db is a symbolic link" in done.stderr and victim.read_text() == "keep me"
    done = cron(tmp_path, "backup", "smsremind.db", code=1)
    assert "is the live database" in done.stderr
