"""What ``import --full`` may cancel: the visits its file no longer lists, within limits.

A visit is cancelled as missing only when no row of the file named it: a
row that was there but rejected keeps its visit (every cell of it goes into
the temp table ``held``, see :func:`.rowcheck.held_ids`).  A file that would cancel more than
``max_cancel_share`` of a practice's future visits -- and more than
``FEW_CANCELS`` of them, so that a small calendar may lose a visit -- is
refused without ``force``: a truncated or mangled export looks just like that.
The share is of the visits the practice had before this import.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from smsremind.clock import to_store
from smsremind.errors import ImportFileError
from smsremind.i18n import _
from smsremind.intake.importer import ImportReport

FEW_CANCELS = 10  # a --full import may always cancel this many visits of a practice
HELD = "CREATE TEMP TABLE held (ext_id TEXT)"


@dataclass(frozen=True)
class Limits:
    """What an import refuses unless forced."""

    max_cancel_share: float = 0.2  # --full: of a practice's future visits, in one import
    force: bool = False  # beyond that share; a new practice named like a garbled stored one


class Missing:
    """The future, scheduled visits of ``practices`` that the file did not name.

    Found once, into the temp table ``gone``: the limit, the events and the
    update all read that small table instead of scanning the calendar again.
    """

    def __init__(self, conn: sqlite3.Connection, practices: list[str], now: datetime, last_id: int):
        self.conn, self.last_id, self.now = conn, last_id, to_store(now)
        conn.execute("CREATE INDEX IF NOT EXISTS temp.incoming_key ON incoming (practice, ext_id)")
        conn.execute("CREATE INDEX IF NOT EXISTS temp.held_key ON held (ext_id)")
        conn.execute("DROP TABLE IF EXISTS temp.gone")
        marks = ",".join("?" * len(practices))
        conn.execute(
            f"CREATE TEMP TABLE gone AS SELECT a.id, a.practice, a.start FROM appointments a "
            f"WHERE a.practice IN ({marks}) AND a.status = 'scheduled' AND a.start > ? "
            f"AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.practice = a.practice "
            f"AND i.ext_id = a.ext_id) "
            f"AND NOT EXISTS (SELECT 1 FROM held h WHERE h.ext_id = a.ext_id)",
            (*practices, self.now),
        )

    def limit(self, share: float, report: ImportReport) -> None:
        """Refuse to cancel more than ``share`` of a practice's future visits (and over a few)."""
        counts = self.conn.execute("SELECT practice, count(*) FROM gone GROUP BY practice").fetchall()
        for name, count in counts:
            if count <= FEW_CANCELS:
                continue
            future = self.conn.execute(  # rows with a higher id are this import's own
                "SELECT count(*) FROM appointments WHERE practice = ? AND status = 'scheduled' "
                "AND start > ? AND id <= ?",
                (name, self.now, self.last_id),
            ).fetchone()[0]
            if count > share * future:
                text = _(
                    "{source}: --full would cancel {count} of the {future} future visits of "
                    "{practice} (more than max_cancel_share = {share}); refusing, nothing was changed "
                    "(check the export; --force if they really are all cancelled)"
                )
                raise ImportFileError(
                    text.format(
                        source=report.source,
                        count=count,
                        future=future,
                        practice=repr(name),
                        share=f"{share:g}",
                    )
                )

    def cancel(self, now: str, quiet: bool, report: ImportReport) -> None:
        self.conn.execute(
            "INSERT INTO events (appointment, at, kind, old_start, detail) "
            "SELECT id, ?, 'cancelled', start, 'missing from --full import' FROM gone",
            (now,),
        )
        self.conn.execute(
            "UPDATE appointments SET status = 'cancelled', cancelled_at = ?, changed_at = ?, "
            "told_status = CASE WHEN ? THEN 'cancelled' ELSE told_status END "
            "WHERE id IN (SELECT id FROM gone)",
            (now, now, quiet),
        )
        report.removed = self.conn.execute("SELECT changes()").fetchone()[0]
        self.conn.execute("DROP TABLE temp.gone")


def guard_empty(
    conn: sqlite3.Connection, targets: list[str], seen: set[str], report: ImportReport, now: datetime
) -> None:
    """Refuse a --full import that would wipe a practice's whole future from an empty file."""
    for name in targets:
        if name in seen:
            continue
        future = conn.execute(
            "SELECT count(*) FROM appointments WHERE practice = ? AND status = 'scheduled' AND start > ?",
            (name, to_store(now)),
        ).fetchone()[0]
        if future:
            text = _(
                "{source}: --full with no rows for practice {practice} would cancel all "
                "{future} of its future appointments; refusing (nothing was changed; "
                "--force if that is right)"
            )
            raise ImportFileError(text.format(source=report.source, practice=repr(name), future=future))
