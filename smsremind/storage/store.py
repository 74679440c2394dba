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
import gc
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlite_utils

from smsremind.clock import to_store
from smsremind.errors import SmsRemindError
from smsremind.i18n import N_, _
from smsremind.storage import files
from smsremind.storage.migrations import MIGRATIONS

# How long a write waits for another process's transaction (an import of a big calendar)
# before giving up with one clear line; SMSREMIND_BUSY_TIMEOUT (seconds) overrides it.
BUSY_TIMEOUT_MS = int(float(os.environ.get("SMSREMIND_BUSY_TIMEOUT") or 60) * 1000)
# Page size of a new database.  A year of appointments is ~300 MB: with 16 KiB pages an
# import of a million rows makes a quarter of the page reads, writes and b-tree levels of
# SQLite's default 4 KiB and costs ~12 % less CPU (docs/performance.md); a sending
# transaction still writes only the few pages it changes.
PAGE_SIZE = 16384
NEWER = N_("made by a newer smsremind; upgrade smsremind to use it")

# The WHERE term of the partial index ``messages_open``.  SQLite uses a partial index
# only for a query that repeats its term, so a query for one of these states adds it:
# ``WHERE {OPEN_MESSAGES} AND state = 'sending'`` reads the open messages, not all.
OPEN_MESSAGES = "state IN ('sending', 'unknown', 'failed', 'held')"

# Prefix of the ``meta`` keys that remember the last import of each source and practice
# (smsremind.intake.memo); whatever else changes imported rows forgets them.
IMPORT_MEMO = "import-memo:"


class MissingDatabaseError(SmsRemindError):
    """The config names a database that does not exist yet (the CLI says how to create it)."""


def explain_error(exc: sqlite3.Error, path: Path) -> SmsRemindError:
    """One line a person can act on for what SQLite says when the disk or another process is in the way."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        busy = _(
            "{path}: busy: another smsremind process kept the database locked for more than "
            "{seconds} s; nothing was changed, try again"
        )
        return SmsRemindError(busy.format(path=path, seconds=BUSY_TIMEOUT_MS // 1000))
    if _disk_trouble(exc) or "readonly database" in text:
        full = _(
            "{path}: disk full (or a disk error) while writing the database; nothing was changed; "
            "free some space and run again"
        )
        return SmsRemindError(full.format(path=path))
    return SmsRemindError(
        _("{path}: not a usable smsremind database ({error})").format(path=path, error=text)
    )


def _disk_trouble(exc: sqlite3.Error) -> bool:
    return any(s in str(exc) for s in ("disk is full", "disk I/O error"))


@lru_cache(maxsize=1)
def _expected_columns() -> dict[str, frozenset[str]]:
    """Each table's columns as our migrations build them (applied to an empty in-memory database)."""
    conn = sqlite3.connect(":memory:")
    try:
        for _name, sql in MIGRATIONS:
            for statement in _statements(sql):
                conn.execute(statement)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: frozenset(r[1] for r in conn.execute(f"PRAGMA table_info('{t}')")) for t in tables}
    finally:
        conn.close()


class Store:
    def __init__(self, path: Path, create: bool = False):
        self.path = Path(path)
        if not files.check_path(self.path):  # a symlink, even a dangling one, is refused here
            if not create:
                raise MissingDatabaseError(_("no database at {path}").format(path=self.path))
            files.create_private(self.path)
        self.readonly = False
        try:
            self._open()
        except sqlite3.Error as exc:
            if not _disk_trouble(exc):
                raise explain_error(exc, self.path) from None
            try:  # a full disk: still let `status` and `preview` read
                self._open_readonly()
            except (sqlite3.Error, SmsRemindError):
                raise explain_error(exc, self.path) from None

    def _connect(self, target: str, uri: bool = False) -> None:
        self.conn = sqlite3.connect(
            target, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, uri=uri
        )
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def _open(self) -> None:
        self._connect(str(self.path))
        try:
            self._refuse_newer()  # before anything below writes to the file
            if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                # A new file (ours are WAL from their first open): its page size is fixed now
                # or never; on a file with tables already this pragma changes nothing.
                self.conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.db = sqlite_utils.Database(self.conn)
            self.migrate()
            self._check_columns()
        except BaseException:
            self.conn.close()
            raise

    def _open_readonly(self) -> None:
        """Read-only, creating no file (a full disk cannot hold the WAL's -shm or -wal).

        Without a WAL to fold in, ``immutable`` reads the file as it is, exactly;
        with one, EXCLUSIVE locking mode keeps SQLite's WAL index in memory.
        """
        wal = self.path.with_name(self.path.name + "-wal")
        exact = not wal.exists() or wal.stat().st_size == 0
        query = "mode=ro&immutable=1" if exact else "mode=ro"
        self._connect(f"{self.path.absolute().as_uri()}?{query}", uri=True)
        try:
            self.conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            self._refuse_newer()
            if self.conn.execute("PRAGMA user_version").fetchone()[0] != len(MIGRATIONS):
                raise SmsRemindError(
                    _("{path}: not migrated yet and the disk is full").format(path=self.path)
                )
            self.db = sqlite_utils.Database(self.conn)
            self.readonly = True
        except BaseException:
            self.conn.close()
            raise

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
            if self.conn.in_transaction:  # SQLite may have rolled back already (disk full)
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def bulk_journal(self) -> Iterator[bool]:
        """Around a transaction that loads the empty ``appointments`` table (yields whether
        it switched): a rollback journal instead of the WAL when nothing else has the
        database open.

        The WAL writes each new page twice (the log, then the checkpoint into the file); a
        rollback journal writes pages past the end of the file once and journals none of
        them: ~0.6-0.9 s less CPU for a million rows (docs/performance.md).  SQLite refuses
        the switch while another connection has the database open (WAL then, as always);
        ``status`` started meanwhile waits for the load, as ``run`` and every other writer
        do anyway.  ``synchronous=FULL`` while it lasts (a rollback journal is safe from
        power cuts only so), then back to WAL; should that fail, the next open switches.
        """
        switched = False
        if self.conn.execute("SELECT 1 FROM appointments LIMIT 1").fetchone() is None:
            self.conn.execute("PRAGMA busy_timeout = 0")  # busy: someone else is here, stay WAL
            with suppress(sqlite3.OperationalError):
                switched = self.conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not switched:
            yield False
            return
        self.conn.execute("PRAGMA synchronous = FULL")
        try:
            yield True
        finally:
            with suppress(sqlite3.OperationalError):
                self.conn.execute("PRAGMA journal_mode = WAL")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """Reads that must see one state of the database (a deferred read transaction);
        inside a transaction already, that one."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")  # nothing written: ends the read

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

    def _refuse_newer(self) -> None:
        """A database a newer smsremind has migrated further is never used (nor migrated) by this one."""
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            text = _("{path}: {newer} (schema {version}, this one knows {known})")
            raise SmsRemindError(
                text.format(path=self.path, newer=_(NEWER), version=version, known=len(MIGRATIONS))
            )
        has_log = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
        ).fetchone()
        if has_log:
            ours = {name for name, _sql in MIGRATIONS}
            unknown = [r[0] for r in self.conn.execute("SELECT name FROM _migrations") if r[0] not in ours]
            if unknown:
                text = _("{path}: {newer} (unknown migration {name})")
                raise SmsRemindError(text.format(path=self.path, newer=_(NEWER), name=unknown[0]))

    def _check_columns(self) -> None:
        for table, columns in _expected_columns().items():
            have = {r[1] for r in self.conn.execute(f"PRAGMA table_info('{table}')")}
            missing = sorted(columns - have)
            if missing:
                text = _("{path}: {newer} (table {table} has no column {column})")
                raise SmsRemindError(
                    text.format(path=self.path, newer=_(NEWER), table=table, column=missing[0])
                )

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
        if self.conn.execute("PRAGMA user_version").fetchone()[0] != len(MIGRATIONS):
            self.conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")  # what a newer version checks
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


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC during a bulk load.

    A million freshly allocated row tuples make every generation-2 pass
    rescan all of them; rows hold no reference cycles, so nothing is lost
    by collecting once afterwards.  Worth 10-20% of an import.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
