"""Merge validated rows into the store and record what changed (SPEC §8, §5).

Everything happens in one IMMEDIATE transaction: the file is imported whole
(minus rejected rows) or not at all.

Two paths, chosen per practice when the import starts:

* a practice with no appointments yet is a *baseline*: rows go straight into
  ``appointments`` (no change detection is needed) and the patient counts as
  already told about them, so no notices follow (SPEC §5);
* rows of a known practice are staged in a temp table and merged with
  set-based SQL: new rows inserted, moves/cancellations/restores/edits
  recorded as events and applied, unchanged rows left untouched.  An
  unchanged file therefore writes nothing, which makes import idempotent.

``--full`` then cancels the future appointments of the file's practices
that the file no longer lists.  ``--no-notify`` marks every change as
already told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from smsremind.clock import to_store
from smsremind.errors import ImportFileError
from smsremind.importer import Prepared, Reject, Row
from smsremind.store import Store

_CHUNK = 5000
_MAX_REJECTS_KEPT = 1000

# Bound to a whole Row (?1 = line, unused); NOW is our own UTC text, put in as a literal
# so that executemany can take the Row tuples as they come.
_INSERT_BASELINE = """
INSERT INTO appointments (practice, ext_id, start, patient, phone, doctor, status, language,
    booked_at, first_seen, changed_at, told_status, told_start)
VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, coalesce(?10, 'NOW'), 'NOW', 'NOW', ?8, ?4)
"""

_STAGE = """
CREATE TEMP TABLE incoming (
    line INTEGER, practice TEXT, ext_id TEXT, start TEXT, patient TEXT, phone TEXT,
    doctor TEXT, status TEXT, language TEXT, booked_at TEXT
)"""

# a = stored row, i = incoming row of the same practice and id
_MATCH = "FROM incoming i JOIN appointments a ON a.practice = i.practice AND a.ext_id = i.ext_id"
_MOVED = "a.start <> i.start"
_CANCELLED = "a.status = 'scheduled' AND i.status = 'cancelled'"
_RESTORED = "a.status = 'cancelled' AND i.status = 'scheduled'"
# Optional columns a source may lack; a lacking column keeps the stored value.
_KEEPABLE = ("patient", "doctor", "language")


def _edited(present: frozenset[str]) -> str:
    terms = ["a.phone <> i.phone"] + [f"a.{c} IS NOT i.{c}" for c in _KEEPABLE if c in present]
    return "(" + " OR ".join(terms) + ")"


def _edited_detail(present: frozenset[str]) -> str:
    parts = ["iif(a.phone <> i.phone, 'phone ', '')"] + [
        f"iif(a.{c} IS NOT i.{c}, '{c} ', '')" for c in _KEEPABLE if c in present
    ]
    return "rtrim(" + " || ".join(parts) + ")"


def _apply(present: frozenset[str]) -> str:
    keep = ", ".join(f"{c} = i.{c}" for c in _KEEPABLE if c in present)
    return f"""
UPDATE appointments AS a SET
    start = i.start, status = i.status, phone = i.phone{", " + keep if keep else ""},
    booked_at = CASE WHEN {_MOVED} OR ({_RESTORED}) THEN :now ELSE a.booked_at END,
    moved_at = CASE WHEN {_MOVED} THEN :now ELSE a.moved_at END,
    cancelled_at = CASE WHEN {_CANCELLED} THEN :now ELSE a.cancelled_at END,
    changed_at = CASE WHEN {_MOVED} OR a.status <> i.status THEN :now ELSE a.changed_at END,
    told_status = CASE WHEN :quiet THEN i.status ELSE a.told_status END,
    told_start = CASE WHEN :quiet THEN i.start ELSE a.told_start END
FROM incoming i
WHERE a.practice = i.practice AND a.ext_id = i.ext_id
  AND ({_MOVED} OR a.status <> i.status OR {_edited(present)})"""


@dataclass
class ImportReport:
    source: str
    new: int = 0
    moved: int = 0
    cancelled: int = 0
    restored: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # cancelled by --full because missing from the file
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    baseline: list[str] = field(default_factory=list)
    practices: list[str] = field(default_factory=list)
    committed: bool = False

    def reject(self, item: Reject) -> None:
        self.rejected += 1
        if len(self.rejects) < _MAX_REJECTS_KEPT:
            self.rejects.append(item)

    def as_json(self) -> dict:
        keys = (
            "new",
            "moved",
            "cancelled",
            "restored",
            "updated",
            "unchanged",
            "removed",
            "rejected",
        )
        return {
            "source": self.source,
            **{k: getattr(self, k) for k in keys},
            "baseline": self.baseline,
            "practices": self.practices,
            "committed": self.committed,
            "rejects": [{"line": r.line, "reason": r.reason} for r in self.rejects],
        }


class _Merge:
    def __init__(self, store: Store, now: datetime, quiet: bool, present: frozenset[str]):
        self.conn = store.conn
        self.present = present
        self.now = to_store(now)
        self.quiet = quiet
        self.known = {r[0] for r in self.conn.execute("SELECT DISTINCT practice FROM appointments")}
        self.conn.execute("DROP TABLE IF EXISTS temp.incoming")
        self.conn.execute(_STAGE)
        self.seen: dict[int, int] = {}  # hash(practice, id) -> line, to find duplicate ids
        self.insert = _INSERT_BASELINE.replace("NOW", self.now)
        self.rebuild = self._drop_indexes_if_empty()

    def _drop_indexes_if_empty(self) -> list[str]:
        """Into an empty table, building the secondary indexes once at the end is far cheaper."""
        if self.conn.execute("SELECT 1 FROM appointments LIMIT 1").fetchone():
            return []
        indexes = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'appointments' "
            "AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in indexes]

    def add(self, rows: list[Row], report: ImportReport, practices: set[str]) -> None:
        """Insert rows of new practices, stage the others; ``practices`` collects the new ones."""
        fresh: list[Row] = []
        staged: list[Row] = []
        known, seen = self.known, self.seen
        for row in rows:
            key = (row[1], row[2])
            h = hash(key)
            if h in seen and self._duplicate(row, seen[h], fresh, staged):
                report.reject(Reject(row.line, f"duplicate id {row.ext_id!r} (first on line {seen[h]})"))
                continue
            seen.setdefault(h, row[0])
            if key[0] in known:
                staged.append(row)
            else:
                practices.add(key[0])
                fresh.append(row)
        if fresh:
            self.conn.executemany(self.insert, fresh)
        if staged:
            self.conn.executemany("INSERT INTO incoming VALUES (?,?,?,?,?,?,?,?,?,?)", staged)
        report.new += len(fresh)

    def _duplicate(self, row: Row, first: int, *pending: list[Row]) -> bool:
        """Is the row on line ``first`` (same hash) really the same practice and id?

        A set of 64-bit hashes keeps memory small for million-row files; a
        hit is confirmed against the real keys before rejecting anything.
        """
        for batch in pending:
            for other in batch:
                if other.line == first:
                    return (other.practice, other.ext_id) == (row.practice, row.ext_id)
        hit = self.conn.execute(
            "SELECT 1 FROM incoming WHERE line = ? AND practice = ? AND ext_id = ? UNION ALL "
            "SELECT 1 FROM appointments WHERE practice = ? AND ext_id = ? AND first_seen = ?",
            (first, row.practice, row.ext_id, row.practice, row.ext_id, self.now),
        ).fetchone()
        return hit is not None

    def merge(self, report: ImportReport) -> None:
        """Apply the staged rows of known practices: events first, then the update."""
        c, now = self.conn, self.now
        last_id = c.execute("SELECT coalesce(max(id), 0) FROM appointments").fetchone()[0]
        c.execute(
            f"""INSERT INTO appointments (practice, ext_id, start, patient, phone, doctor, status,
                    language, booked_at, first_seen, changed_at, told_status, told_start)
                SELECT i.practice, i.ext_id, i.start, i.patient, i.phone, i.doctor, i.status,
                    i.language, coalesce(i.booked_at, :now), :now, :now,
                    CASE WHEN :quiet THEN i.status END, i.start
                FROM incoming i WHERE NOT EXISTS (SELECT 1 FROM appointments a
                    WHERE a.practice = i.practice AND a.ext_id = i.ext_id AND a.id <= {last_id})
                ORDER BY i.line""",
            {"now": now, "quiet": self.quiet},
        )
        inserted = c.execute("SELECT changes()").fetchone()[0]
        report.new += inserted
        c.execute(
            "INSERT INTO events (appointment, at, kind, new_start) "
            "SELECT id, ?, 'booked', start FROM appointments WHERE id > ?",
            (now, last_id),
        )
        for kind, cond, attr in (
            ("moved", _MOVED, "moved"),
            ("cancelled", _CANCELLED, "cancelled"),
            ("restored", _RESTORED, "restored"),
        ):
            c.execute(
                f"INSERT INTO events (appointment, at, kind, old_start, new_start) "
                f"SELECT a.id, ?, ?, a.start, i.start {_MATCH} WHERE a.id <= ? AND {cond}",
                (now, kind, last_id),
            )
            setattr(report, attr, getattr(report, attr) + c.execute("SELECT changes()").fetchone()[0])
        c.execute(
            f"INSERT INTO events (appointment, at, kind, detail) SELECT a.id, ?, 'updated', "
            f"{_edited_detail(self.present)} {_MATCH} WHERE a.id <= ? AND NOT ({_MOVED}) "
            f"AND a.status = i.status AND {_edited(self.present)}",
            (now, last_id),
        )
        report.updated += c.execute("SELECT changes()").fetchone()[0]
        c.execute(_apply(self.present) + f" AND a.id <= {last_id}", {"now": now, "quiet": self.quiet})
        changed = c.execute("SELECT changes()").fetchone()[0]
        staged = c.execute("SELECT count(*) FROM incoming").fetchone()[0]
        report.unchanged += staged - inserted - changed

    def remove_missing(self, practices: list[str], now: datetime, report: ImportReport) -> None:
        """--full: cancel future, scheduled appointments of ``practices`` absent from the file."""
        c = self.conn
        c.execute("CREATE INDEX temp.incoming_key ON incoming (practice, ext_id)")
        marks = ",".join("?" * len(practices))
        missing = (
            f"FROM appointments a WHERE a.practice IN ({marks}) AND a.status = 'scheduled' "
            f"AND a.start > ? AND NOT EXISTS (SELECT 1 FROM incoming i "
            f"WHERE i.practice = a.practice AND i.ext_id = a.ext_id)"
        )
        args = (*practices, to_store(now))
        c.execute(
            f"INSERT INTO events (appointment, at, kind, old_start, detail) "
            f"SELECT a.id, ?, 'cancelled', a.start, 'missing from --full import' {missing}",
            (self.now, *args),
        )
        c.execute(
            f"UPDATE appointments SET status = 'cancelled', cancelled_at = ?, changed_at = ?, "
            f"told_status = CASE WHEN ? THEN 'cancelled' ELSE told_status END "
            f"WHERE id IN (SELECT a.id {missing})",
            (self.now, self.now, self.quiet, *args),
        )
        report.removed = c.execute("SELECT changes()").fetchone()[0]

    def staged_practices(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT DISTINCT practice FROM incoming")}

    def close(self) -> None:
        for sql in self.rebuild:
            self.conn.execute(sql)
        self.conn.execute("DROP TABLE IF EXISTS temp.incoming")


def import_rows(
    store: Store,
    prepared: Prepared,
    now: datetime,
    *,
    full: bool = False,
    quiet: bool = False,
    strict: bool = False,
    practice: str | None = None,
) -> ImportReport:
    """Import validated rows in one transaction and report what changed.

    ``quiet`` is --no-notify; ``strict`` rolls everything back on any reject
    (``report.committed`` is then False).
    """
    report = ImportReport(prepared.source.name)
    # An import can simply be run again after a power cut (it is idempotent), so its
    # one big commit need not wait for fsync; sending keeps synchronous=FULL.
    store.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        with store.tx():
            _import(store, prepared, now, report, full=full, quiet=quiet, practice=practice)
            if strict and report.rejected:
                raise _StrictRollback
    except _StrictRollback:
        pass
    else:
        report.committed = True
    finally:
        store.conn.execute("PRAGMA synchronous = FULL")
    report.rejects.sort(key=lambda r: r.line)
    return report


class _StrictRollback(Exception):
    """Raised inside the transaction to roll back a --strict import with rejects."""


def _import(
    store: Store,
    prepared: Prepared,
    now: datetime,
    report: ImportReport,
    *,
    full: bool,
    quiet: bool,
    practice: str | None,
) -> None:
    merge = _Merge(store, now, quiet, prepared.present)
    practices: set[str] = set()
    for rows, rejects in prepared.batches(_CHUNK):
        for item in rejects:
            report.reject(item)
        merge.add(rows, report, practices)
    practices.update(merge.staged_practices())
    merge.merge(report)
    report.practices = sorted(practices | ({practice} if practice else set()))
    report.baseline = sorted(practices - merge.known)
    if full:
        targets = [p for p in report.practices if p in merge.known]
        _guard_full(store, targets, practices, report, now)
        if targets:
            merge.remove_missing(targets, now, report)
    merge.close()


def _guard_full(
    store: Store, targets: list[str], seen: set[str], report: ImportReport, now: datetime
) -> None:
    """Refuse a --full import that would wipe a practice's whole future from an empty file."""
    for name in targets:
        if name in seen:
            continue
        future = store.scalar(
            "SELECT count(*) FROM appointments WHERE practice = ? AND status = 'scheduled' AND start > ?",
            (name, to_store(now)),
        )
        if future:
            raise ImportFileError(
                f"{report.source}: --full with no rows for practice {name!r} would cancel all "
                f"{future} of its future appointments; refusing (nothing was changed)"
            )
