"""Merge validated rows into the store and record what changed (SPEC §8, §5).

One IMMEDIATE transaction: the file is imported whole (minus rejected rows) or not at all.

Two paths, chosen per practice when the import starts:

* a practice with no appointments yet is a *baseline*: rows go straight into
  ``appointments``, counted as already told, so no notices follow (SPEC §5);
* rows of a known practice are staged in a temp table and merged with
  set-based SQL: new rows inserted, moves/cancellations/restores/edits
  recorded as events and applied, unchanged rows left untouched.  An
  unchanged file therefore writes nothing, which makes import idempotent.

Duplicate ids (same practice and id): the first row counts, each later one is
rejected, found by the unique index built after a bulk load, else by the
reader's hash check (:class:`smsremind.intake.importer.Batch`).

``--full`` then cancels the future visits of the file's practices that it no
longer lists, within the limits of :mod:`.full`; nothing when the file's shape
is broken (what is missing may only be unreadable). ``--no-notify`` marks
every change as already told.

A new practice whose name is a stored one garbled by a wrong encoding or
stripped of diacritics is refused (``force`` allows it): its visits would be
reminded a second time.
"""

from __future__ import annotations

import sqlite3
from array import array
from datetime import datetime
from operator import itemgetter

from smsremind.clock import to_store
from smsremind.errors import ImportFileError
from smsremind.i18n import N_, Later, _
from smsremind.intake.encoding import NotPlain, garbled_twin
from smsremind.intake.full import HELD, Limits, Missing, guard_empty
from smsremind.intake.importer import Batch, ImportReport, Prepared, Reject
from smsremind.intake.memo import Memo
from smsremind.intake.merge_sql import (
    AI,
    CANCELLED,
    DIFF,
    DIFF_TABLE,
    INSERT_BASELINE,
    KEEPABLE,
    MOVED,
    RESTORED,
    STAGE,
    apply,
    changed,
    edited,
)
from smsremind.intake.rowcheck import EXT_ID, LINE, PRACTICE, Row
from smsremind.storage.store import Store, gc_paused

_LINE = itemgetter(LINE)
_CHUNK = 250  # records per chunk: records, columns and rows stay in the CPU cache (docs/performance.md)
# Page cache for the import's connection (negative = KiB): fewer spills while a large file is
# inserted and index builds sort in memory.
_IMPORT_CACHE_KIB = -65536


def _practices(conn: sqlite3.Connection) -> set[str]:
    """The practices stored: one index seek per practice, not a walk over every appointment."""
    rows = conn.execute(
        "WITH RECURSIVE p(name) AS (SELECT min(practice) FROM appointments UNION ALL "
        "SELECT (SELECT min(practice) FROM appointments WHERE practice > p.name) FROM p "
        "WHERE p.name IS NOT NULL) SELECT name FROM p WHERE name IS NOT NULL"
    )
    return {r[0] for r in rows}


def _duplicate(line: int, ext_id: str) -> Reject:
    return Reject(line, Later(N_("duplicate id {id} (already earlier in the file)"), id=repr(ext_id)))


class _Merge:
    def __init__(self, store: Store, now: datetime, quiet: bool, present: frozenset[str], force: bool):
        self.conn = store.conn
        self.present = present
        self.now = to_store(now)
        self.quiet = quiet
        self.force = force
        self.known = _practices(self.conn)
        self.checked: set[str] = set()  # practices of the file already compared with the known ones
        # Rows with a higher id are this import's: not part of a practice's future before it.
        self.last_id = self.conn.execute("SELECT coalesce(max(id), 0) FROM appointments").fetchone()[0]
        self.conn.execute("DROP TABLE IF EXISTS temp.incoming")
        self.conn.execute("DROP TABLE IF EXISTS temp.held")
        self.conn.execute(STAGE)
        self.conn.execute(HELD)
        self.suspects: list[Row] = []  # probable duplicates, see importer.Batch
        self.accepted = 0  # rows written or staged
        self.insert = INSERT_BASELINE.replace("NOW", self.now)
        self.rebuild = self._drop_indexes_if_empty()
        # A bulk load (into the empty table) is not checked for duplicate keys while it is read:
        # building the unique index proves there are none, or finds them (a set of a million
        # hashes would cost ~70 MB and ~0.4 s).  This remembers each row's line, by id.
        self.bulk_lines: array[int] | None = array("q") if self.rebuild else None

    def _drop_indexes_if_empty(self) -> list[str]:
        """Into an empty table, building the secondary indexes once at the end is far cheaper.
        Not the untold index: baseline rows are stored told and never enter it (kept, it costs
        a test per row; rebuilt, a scan of the whole table)."""
        if self.conn.execute("SELECT 1 FROM appointments LIMIT 1").fetchone():
            return []
        indexes = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'appointments' "
            "AND sql IS NOT NULL AND name <> 'appointments_untold'"
        ).fetchall()
        for name, _sql in indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in indexes]

    def add(self, batch: Batch, report: ImportReport) -> None:
        """Insert rows of practices new to the store, stage the others."""
        for item in batch.rejects:
            report.reject(item)
        if batch.held:
            self.conn.executemany("INSERT INTO held VALUES (?)", zip(batch.held))
        self.suspects += batch.suspects
        known = self.known
        if not batch.practices <= self.checked:
            self._refuse_garbled(batch.practices - known - self.checked, report)
            self.checked |= batch.practices
        if not known or not batch.practices & known:
            self._write(batch.rows, [], report)
        elif batch.practices <= known:
            self._write([], batch.rows, report)
        else:
            self._write(
                [r for r in batch.rows if r[PRACTICE] not in known],
                [r for r in batch.rows if r[PRACTICE] in known],
                report,
            )

    def _refuse_garbled(self, new: set[str], report: ImportReport) -> None:
        if self.force or not self.known:
            return
        for name in sorted(new):
            twin = garbled_twin(name, self.known)
            if twin is not None:
                text = _(
                    "{source}: practice {name} is new but differs from the existing {twin} "
                    "only by garbled letters, diacritics, case or punctuation (a wrong encoding?); "
                    "refusing to "
                    "create it (nothing was changed; --force if it really is another practice)"
                )
                raise ImportFileError(text.format(source=report.source, name=repr(name), twin=repr(twin)))

    def refuse_doubled(self, report: ImportReport) -> None:
        """Refuse a new practice holding a stored visit of another one.

        The same visit: the same phone at the same start, or the same id with
        the same phone or start.  The new practice is then most likely the old
        one under a damaged name (a wrong encoding, a flipped byte, swapped
        columns), and taking it would remind each of its patients twice.
        """
        known = f"o.practice IN ({','.join('?' * len(self.known))})"
        for same in (
            "o.start = n.start AND o.phone = n.phone",
            "o.ext_id = n.ext_id AND (o.phone = n.phone OR o.start = n.start)",
        ):
            twin = self.conn.execute(
                f"SELECT n.practice, n.ext_id, o.practice, o.ext_id FROM appointments n "
                f"JOIN appointments o ON {same} AND {known} WHERE n.id > ? LIMIT 1",
                (*sorted(self.known), self.last_id),
            ).fetchone()
            if twin is not None:
                new, visit, old, stored = twin
                text = _(
                    "{source}: practice {new} is new but its visit {visit} looks like visit "
                    "{stored} of {old}: a damaged practice name or swapped columns? Refusing, "
                    "nothing was changed (--force if it really is another practice)"
                )
                raise ImportFileError(
                    text.format(
                        source=report.source,
                        new=repr(new),
                        visit=repr(visit),
                        stored=repr(stored),
                        old=repr(old),
                    )
                )

    def _write(self, fresh: list[Row], staged: list[Row], report: ImportReport) -> None:
        if fresh:
            self.conn.executemany(self.insert, fresh)
            if self.bulk_lines is not None:
                self.bulk_lines.extend(map(_LINE, fresh))
        if staged:
            self.conn.executemany("INSERT INTO incoming VALUES (?,?,?,?,?,?,?,?,?,?)", staged)
        report.new += len(fresh)
        self.accepted += len(fresh) + len(staged)

    def settle_suspects(self, report: ImportReport) -> None:
        """Reject true duplicates among the suspects; import the rest (mere hash collisions)."""
        if not self.suspects:
            return
        self.conn.execute("CREATE INDEX IF NOT EXISTS temp.incoming_key ON incoming (practice, ext_id)")
        for row in self.suspects:
            key = (row[PRACTICE], row[EXT_ID])
            table = "incoming" if key[0] in self.known else "appointments"
            if self.conn.execute(f"SELECT 1 FROM {table} WHERE practice = ? AND ext_id = ?", key).fetchone():
                report.reject(_duplicate(row[LINE], row[EXT_ID]))
            elif table == "incoming":
                self._write([], [row], report)
            else:
                self._write([row], [], report)
        self.suspects = []

    def restore_indexes(self, report: ImportReport) -> None:
        for sql in self.rebuild:
            try:
                self.conn.execute(sql)
            except sqlite3.IntegrityError:  # the unique key: the bulk load has duplicates
                self._reject_bulk_duplicates(report)
                self.conn.execute(sql)
        self.rebuild = []

    def _reject_bulk_duplicates(self, report: ImportReport) -> None:
        """Reject every row of a bulk load whose key an earlier row (a lower id) already has."""
        assert self.bulk_lines is not None
        first_id = self.conn.execute("SELECT min(id) FROM appointments").fetchone()[0]
        later = self.conn.execute(
            "SELECT a.id, a.ext_id FROM appointments a JOIN (SELECT practice, ext_id, min(id) AS first "
            "FROM appointments GROUP BY practice, ext_id HAVING count(*) > 1) d "
            "ON a.practice = d.practice AND a.ext_id = d.ext_id AND a.id > d.first"
        ).fetchall()
        for aid, ext_id in later:  # ids follow the lines: rows were inserted in file order
            line = self.bulk_lines[aid - first_id]
            report.reject(_duplicate(line, ext_id))
        self.conn.executemany("DELETE FROM appointments WHERE id = ?", [(aid,) for aid, _ext in later])
        report.new -= len(later)
        self.accepted -= len(later)

    def merge(self, report: ImportReport) -> None:
        """Apply the staged rows of known practices.

        One pass joins them with the stored rows into ``diff`` (new or
        changed rows only); events and updates then work on that small table.
        """
        c, now, params = self.conn, self.now, {"now": self.now, "quiet": self.quiet}
        staged = c.execute("SELECT count(*) FROM incoming").fetchone()[0]
        if not staged:
            return
        c.execute("DROP TABLE IF EXISTS temp.diff")
        c.execute(DIFF_TABLE.format(changed=changed(self.present, AI)))
        last_id = c.execute("SELECT coalesce(max(id), 0) FROM appointments").fetchone()[0]
        c.execute(
            """INSERT INTO appointments (practice, ext_id, start, patient, phone, doctor, status,
                   language, booked_at, first_seen, changed_at, told_status, told_start)
               SELECT practice, ext_id, start, patient, phone, doctor, status, language,
                   coalesce(booked_at, :now), :now, :now, CASE WHEN :quiet THEN status END, start
               FROM diff WHERE aid IS NULL ORDER BY line""",
            params,
        )
        report.new += c.execute("SELECT changes()").fetchone()[0]
        c.execute(
            "INSERT INTO events (appointment, at, kind, new_start) "
            "SELECT id, ?, 'booked', start FROM appointments WHERE id > ?",
            (now, last_id),
        )
        for kind, cond in (("moved", MOVED), ("cancelled", CANCELLED), ("restored", RESTORED)):
            c.execute(
                "INSERT INTO events (appointment, at, kind, old_start, new_start) "
                f"SELECT d.aid, ?, ?, d.o_start, d.start FROM diff d "
                f"WHERE d.aid IS NOT NULL AND {cond.format(**DIFF)}",
                (now, kind),
            )
            setattr(report, kind, getattr(report, kind) + c.execute("SELECT changes()").fetchone()[0])
        detail = " || ".join(
            f"iif(d.o_{col} IS NOT d.{col}, '{col} ', '')"
            for col in ("phone", *(k for k in KEEPABLE if k in self.present))
        )
        c.execute(
            f"INSERT INTO events (appointment, at, kind, detail) "
            f"SELECT d.aid, ?, 'updated', rtrim({detail}) FROM diff d WHERE d.aid IS NOT NULL "
            f"AND NOT ({MOVED.format(**DIFF)}) AND d.o_status = d.status "
            f"AND {edited(self.present, DIFF)}",
            (now,),
        )
        report.updated += c.execute("SELECT changes()").fetchone()[0]
        c.execute(apply(self.present), params)
        report.unchanged += staged - c.execute("SELECT count(*) FROM diff").fetchone()[0]
        c.execute("DROP TABLE temp.diff")

    def close(self) -> None:
        self.conn.execute("DROP TABLE IF EXISTS temp.incoming")
        self.conn.execute("DROP TABLE IF EXISTS temp.held")


def import_rows(
    store: Store,
    prepared: Prepared,
    now: datetime,
    *,
    full: bool = False,
    quiet: bool = False,
    strict: bool = False,
    practice: str | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen, so one shared default is safe
) -> ImportReport:
    """Import validated rows in one transaction and report what changed.

    ``quiet`` is --no-notify; ``strict`` rolls everything back on any reject
    (``report.committed`` is then False).  A source that is byte for byte the
    last one committed, with the same options, is not read at all (see
    :mod:`smsremind.intake.memo`).
    """
    memo = Memo.of(
        prepared.spec, full=full, quiet=quiet, strict=strict, practice=practice, limits=repr(limits)
    )
    known = memo.recall(store, prepared.name) if memo else None
    if known is not None:
        prepared.source.close()
        return known

    def attempt(source: Prepared) -> ImportReport:
        return _commit(store, source, memo, now, (full, quiet, strict, practice, limits))

    try:
        return attempt(prepared)
    except NotPlain:  # a CSV file that is not plain UTF-8 after all (rolled back): decide, read again
        return attempt(prepared.decided())


def _commit(
    store: Store,
    prepared: Prepared,
    memo: Memo | None,
    now: datetime,
    options: tuple[bool, bool, bool, str | None, Limits],
) -> ImportReport:
    """:func:`import_rows` of a source read afresh, in one transaction (``options``: its keywords)."""
    full, quiet, strict, practice, limits = options
    report = ImportReport(prepared.name)
    # An import can simply be run again after a power cut (it is idempotent), so its
    # one big commit need not wait for fsync; sending keeps synchronous=FULL.
    store.conn.execute("PRAGMA synchronous = NORMAL")
    store.conn.execute(f"PRAGMA cache_size = {_IMPORT_CACHE_KIB}")
    try:
        with store.bulk_journal(), store.tx(), gc_paused():
            merge = _Merge(store, now, quiet, prepared.present, limits.force)
            _import(merge, prepared, now, report, full=full, practice=practice, limits=limits)
            if strict and report.rejected:
                raise _StrictRollback
            if memo:
                memo.remember(store.conn, report, merge.accepted)
    except _StrictRollback:
        pass
    else:
        report.committed = True
    finally:
        store.conn.execute("PRAGMA synchronous = FULL")
        store.conn.execute("PRAGMA cache_size = -2000")
    report.rejects.sort(key=lambda r: r.line)
    return report


class _StrictRollback(Exception):
    """Raised inside the transaction to roll back a --strict import with rejects."""


def _import(
    merge: _Merge,
    prepared: Prepared,
    now: datetime,
    report: ImportReport,
    *,
    full: bool,
    practice: str | None,
    limits: Limits,
) -> None:
    practices: set[str] = set()
    for batch in prepared.batches(_CHUNK, dedupe=merge.bulk_lines is None):
        practices |= batch.practices
        merge.add(batch, report)
    practices |= {row[PRACTICE] for row in merge.suspects}
    merge.restore_indexes(report)
    merge.settle_suspects(report)
    merge.merge(report)
    report.practices = sorted(practices | ({practice} if practice else set()))
    report.baseline = sorted(practices - merge.known)
    if report.baseline and merge.known and not limits.force:
        merge.refuse_doubled(report)
    # A broken file (structural rejects) cancels nothing: its missing rows may only be unreadable.
    if full and not report.structural:
        targets = [p for p in report.practices if p in merge.known]
        if not limits.force:
            guard_empty(merge.conn, targets, practices, report, now)
        if targets:
            missing = Missing(merge.conn, targets, now, merge.last_id)
            if not limits.force:
                missing.limit(limits.max_cancel_share, report)
            missing.cancel(merge.now, merge.quiet, report)
    merge.close()
