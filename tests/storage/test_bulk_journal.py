"""A baseline import into the empty appointments table runs with a rollback journal when it has the
database to itself, and leaves it in WAL mode whatever happens: done, killed, or crowded."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

from smsremind.storage.store import Store
from tests.cli.cron import HEAD, argv, cron, imports_at_once, pragma

SLOW = {"SMSREMIND_BUSY_TIMEOUT": "30"}


def fresh(folder: Path) -> Path:
    (folder / "smsremind.toml").write_text("enabled = false\n", encoding="utf-8")
    (folder / "smsremind.toml").chmod(0o600)
    cron(folder, "init")
    return folder / "smsremind.db"


def visits(n: int, practice: str = "Gabinet", first: int = 0) -> str:
    return HEAD + "".join(
        f"{i},2026-12-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 4 * 15:02d},"
        f"+48601{i % 900000:06d},P{i},{practice}\n"
        for i in range(first, first + n)
    )


def test_the_switch_happens_only_alone_and_into_an_empty_table(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    store = Store(db)
    try:
        with store.bulk_journal() as switched:
            assert switched
            assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

        other = sqlite3.connect(db)  # another process reading: it keeps its WAL
        other.execute("SELECT count(*) FROM appointments").fetchone()
        started = time.monotonic()
        with store.bulk_journal() as switched:
            assert not switched
            assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert time.monotonic() - started < 5  # no busy wait for the other one to leave
        other.close()

        with store.tx() as conn:
            conn.execute(
                "INSERT INTO appointments (practice, ext_id, start, phone, status, booked_at, first_seen, "
                "changed_at) VALUES ('G', '1', 'x', '+48601000001', 'scheduled', 'x', 'x', 'x')"
            )
        with store.bulk_journal() as switched:  # a table with rows is merged into, not loaded
            assert not switched
    finally:
        store.close()
    assert pragma(db, "journal_mode") == "wal"


def test_a_killed_baseline_import_leaves_nothing_and_the_database_in_wal(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    (tmp_path / "big.csv").write_text(visits(400_000), encoding="utf-8")
    proc = subprocess.Popen(
        argv("import", "big.csv", now="2026-11-29 10:00"),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    journal = tmp_path / "smsremind.db-journal"
    deadline = time.monotonic() + 60
    mode = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            mode = stat.S_IMODE(journal.stat().st_mode)
            break
        except FileNotFoundError:
            time.sleep(0.005)
    assert mode is not None, "the import never wrote a rollback journal"
    assert mode == 0o600  # it holds the same personal data as the database
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    done = cron(tmp_path, "status", "--json", now="2026-11-29 10:05")  # the next command recovers
    assert json.loads(done.stdout)["appointments"] == 0
    assert not journal.exists()
    assert pragma(db, "journal_mode") == "wal"
    assert pragma(db, "integrity_check") == "ok"
    cron(tmp_path, "-q", "import", "big.csv", now="2026-11-29 10:10")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM appointments").fetchone()[0] == 400_000
    assert pragma(db, "journal_mode") == "wal"


def test_concurrent_baseline_imports_into_an_empty_database_each_finish_whole(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    names = [f"p{k}.csv" for k in range(6)]
    for k, name in enumerate(names):
        (tmp_path / name).write_text(visits(20_000, f"Klinika {k}", k * 100_000), encoding="utf-8")
    done = imports_at_once(tmp_path, names, "2026-11-29 11:00", SLOW)
    for code, err in done:
        assert (code, err) == (0, "") or (code == 1 and "busy:" in err), err
    codes = [code for code, _err in done]
    assert codes.count(0) >= 1
    with sqlite3.connect(db) as conn:
        per_practice = dict(conn.execute("SELECT practice, count(*) FROM appointments GROUP BY practice"))
    assert per_practice == {f"Klinika {k}": 20_000 for k, code in enumerate(codes) if code == 0}
    assert pragma(db, "journal_mode") == "wal"
    assert pragma(db, "integrity_check") == "ok"
    assert not (tmp_path / "smsremind.db-journal").exists()
