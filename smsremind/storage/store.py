"""The one owner of the SQLite database: open, migrate, transactions, locks.

* The file (and its WAL/SHM siblings, which SQLite creates with the same
  mode) is created 0600: it holds health-related personal data (SPEC §9a).
* WAL mode with a busy timeout lets `import`, `preview` and `status` run
  while `run` sends.  ``synchronous=FULL`` because a message committed as
  ``sending`` before the gateway call must survive a power cut, not only a
  crash (SPEC §4).
* Autocommit connection; every multi-row write goes through :meth:`tx`,
  which takes the write lock up front (``BEGIN IMMEDIATE``) so that a
  read-then-write inside it cannot be raced by another process.
* :meth:`run_lock` is an exclusive ``flock`` on ``<db>.lock``: one `run`
  sends at a time; an overlapping cron start sees the lock and leaves.
"""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from smsremind.clock import to_store
from smsremind.errors import SmsRemindError
from smsremind.storage import files
from smsremind.storage.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 30_000


class MissingDatabaseError(SmsRemindError):
    """The config names a database that does not exist yet (the CLI says how to create it)."""


class Store:
    def __init__(self, path: Path, create: bool = False):
        self.path = Path(path)
        if not files.check_path(self.path):  # a symlink, even a dangling one, is refused here
            if not create:
                raise MissingDatabaseError(f"no database at {self.path}")
            files.create_private(self.path)
        try:
            self.conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                timeout=BUSY_TIMEOUT_MS / 1000,
                check_same_thread=False,
            )
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.db = sqlite_utils.Database(self.conn)
            self.migrate()
        except sqlite3.DatabaseError as exc:
            raise SmsRemindError(f"{self.path}: not a usable smsremind database ({exc})") from None

    def close(self) -> None:
        self.conn.close()

    # --- transactions and locks

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """An IMMEDIATE transaction; commits on success, rolls back on any error."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def run_lock(self) -> Iterator[bool]:
        """Yield True while holding the exclusive run lock, False if another run has it."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        with files.append_private(lock_path) as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # --- schema

    def migrate(self) -> list[str]:
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        applied = []
        for name, sql in MIGRATIONS:
            if self._applied(name):
                continue
            with self.tx() as conn:
                if self._applied(name):  # another process migrated meanwhile
                    continue
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO _migrations VALUES (?, ?)", (name, to_store(datetime.now(UTC))))
            applied.append(name)
        return applied

    def _applied(self, name: str) -> bool:
        return self.conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone() is not None

    # --- small helpers shared by the core modules

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params))

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return default if value is None else value

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (sqlite3.complete_statement aware)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
