"""A database we must not use, a full disk, a busy database: one clear line, nothing half done.

Issue 11 items 15 (a newer database), 17 (disk full) and 18 (database is locked).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.cron import HEAD, cron, imports_at_once, install

FAST = {"SMSREMIND_BUSY_TIMEOUT": "1"}
NEWER = "made by a newer smsremind; upgrade smsremind to use it"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM appointments").fetchone()[0])


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ("PRAGMA user_version = 99", "(schema 99, this one knows "),
        (
            "INSERT INTO _migrations VALUES ('099_replies_v2', '2027-01-01T00:00:00Z')",
            "(unknown migration 099_replies_v2)",
        ),
        ("ALTER TABLE messages DROP COLUMN delivery_at", "(table messages has no column delivery_at)"),
    ],
    ids=["user-version", "unknown-migration", "missing-column"],
)
def test_a_database_from_a_newer_version_is_refused_and_left_alone(
    tmp_path: Path, change: str, detail: str
) -> None:
    install(tmp_path)
    db = tmp_path / "smsremind.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(change)
    conn.close()  # the last connection: SQLite folds its WAL into the file
    before = digest(db)
    for args in (["status"], ["run"], ["import", "in.csv"], ["backup", "copy.db"]):
        done = cron(tmp_path, *args, now="2026-11-30 14:05", code=1)
        assert done.stdout == ""
        assert done.stderr == f"smsremind: error: {db}: {NEWER} {detail}" + done.stderr.split(detail, 1)[1]
        assert done.stderr.count("\n") == 1
    assert digest(db) == before
    assert not (tmp_path / "outbox.jsonl").exists()


def test_the_current_schema_records_its_version(tmp_path: Path) -> None:
    from smsremind.storage.migrations import MIGRATIONS

    install(tmp_path)
    with sqlite3.connect(tmp_path / "smsremind.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_a_busy_database_waits_then_says_so_and_imports_nothing(tmp_path: Path) -> None:
    install(tmp_path)
    db = tmp_path / "smsremind.db"
    rows = "".join(f"{i},2026-12-02 10:{i - 100:02d},+4860124{i:04d},Q{i},Gabinet\n" for i in range(100, 150))
    (tmp_path / "more.csv").write_text(HEAD + rows)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a long import
    try:
        done = cron(tmp_path, "-q", "import", "more.csv", now="2026-11-29 11:00", code=1, env=FAST)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.stdout == ""
    assert done.stderr == (
        f"smsremind: error: {db}: busy: another smsremind process kept the database locked for more "
        "than 1 s; nothing was changed, try again\n"
    )
    assert count(db) == 1
    cron(tmp_path, "-q", "import", "more.csv", now="2026-11-29 11:00")  # the lock is gone: it works
    assert count(db) == 51


def test_heavy_concurrent_imports_each_finish_whole_or_say_busy(tmp_path: Path) -> None:
    install(tmp_path)
    db = tmp_path / "smsremind.db"
    names = [f"p{k}.csv" for k in range(8)]
    for k, name in enumerate(names):
        rows = "".join(
            f"{k}-{i},2026-12-{2 + k:02d} 10:{i % 60:02d},+486012{k}{i:04d},P{i},Klinika {k}\n"
            for i in range(3000)
        )
        (tmp_path / name).write_text(HEAD + rows)
    outcomes = []
    for code, err in imports_at_once(tmp_path, names, "2026-11-29 11:00", {"SMSREMIND_BUSY_TIMEOUT": "2"}):
        assert (code == 0 and err == "") or (code == 1 and "busy:" in err and err.count("\n") == 1)
        outcomes.append(code)
    with sqlite3.connect(db) as conn:
        per_practice = dict(conn.execute("SELECT practice, count(*) FROM appointments GROUP BY practice"))
    imported = {f"Klinika {k}" for k, code in enumerate(outcomes) if code == 0}
    assert {p for p in per_practice if p != "Gabinet"} == imported
    assert all(per_practice[p] == 3000 for p in imported)  # never half an import


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs mounted for the test (we run as root), unmounted whatever happens."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_says_disk_full_and_which_file_and_status_still_reads(tiny_disk: Path) -> None:
    folder = tiny_disk
    install(folder)
    db = folder / "smsremind.db"
    filler = folder / "filler"
    with open(filler, "wb") as fh:  # take every free block
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    rows = "".join(
        f"{i},2026-12-02 10:{i % 60:02d},+48601{i:06d},Pacjent {i} {'x' * 200},Gabinet\n"
        for i in range(100, 5100)
    )
    big = folder.parent / "big.csv"
    big.write_text(HEAD + rows)
    done = cron(folder, "-q", "import", str(big), now="2026-11-29 11:00", code=1)
    assert done.stdout == ""
    assert (
        f"smsremind: error: {db}: disk full (or a disk error) while writing the database; nothing was changed"
        in done.stderr
    )
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    czech = cron(
        folder, "-q", "import", str(big), now="2026-11-29 11:00", code=1, env={"LANG": "cs_CZ.UTF-8"}
    )
    assert czech.stderr == (
        f"smsremind: chyba: {db}: plný disk (nebo chyba disku) při zápisu databáze; nic nebylo změněno; "
        "uvolněte místo a spusťte znovu\n"
    )
    status = cron(folder, "status", now="2026-11-29 11:05")  # reading needs no space
    assert "Today (2026-11-29)" in status.stdout and "1 planned" not in status.stderr
    assert cron(folder, "status", "--json", now="2026-11-29 11:05").stdout.count('"appointments": 1') == 1
    os.unlink(filler)
    assert count(db) == 1  # the failed import left nothing behind
    cron(folder, "-q", "import", str(big), now="2026-11-29 11:00")  # space again: it goes through
    assert count(db) == 5001
