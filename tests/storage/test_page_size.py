"""A new database gets 16 KiB pages; one made with SQLite's default 4 KiB keeps them and works."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from smsremind.storage.store import PAGE_SIZE
from tests.cli.cron import HEAD, cron, install, pragma


def test_a_new_database_has_large_pages_and_a_wal(tmp_path: Path) -> None:
    install(tmp_path, rows=3)
    db = tmp_path / "smsremind.db"
    assert PAGE_SIZE == 16384
    assert (pragma(db, "page_size"), pragma(db, "journal_mode")) == (16384, "wal")
    assert pragma(db, "integrity_check") == "ok"


def test_a_database_with_default_pages_keeps_them_and_imports(tmp_path: Path) -> None:
    """A database made before (4 KiB pages, WAL) is neither rebuilt nor refused."""
    db = tmp_path / "smsremind.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA page_size = 4096")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE placeholder (x)")  # fixes the page size, as an older version's tables did
    conn.execute("DROP TABLE placeholder")
    conn.close()
    db.chmod(0o600)
    install(tmp_path, rows=2)
    body = "".join(f"{i},2026-12-0{i} 10:00,+4860123{i:04d},P{i},Gabinet\n" for i in range(3, 8))
    (tmp_path / "more.csv").write_text(HEAD + body, encoding="utf-8")
    done = cron(tmp_path, "import", "--json", "more.csv", now="2026-11-29 11:00")
    assert '"new": 5' in done.stdout
    assert pragma(db, "page_size") == 4096
    assert pragma(db, "integrity_check") == "ok"
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM appointments").fetchone()[0] == 7
