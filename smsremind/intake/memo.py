"""An unchanged source costs almost nothing: the last committed import, remembered (issue 14).

Cron runs `import --full` every few minutes and the export is usually what
it was five minutes ago.  Reading and comparing a million rows to learn that
costs seconds; a digest of the file's bytes costs a fraction of that.

What is remembered, in ``meta``:

* per source (its path, and table or query): a digest of its bytes and of
  every option that changes what an import does (column mapping, time zone,
  --practice, --full, --no-notify, --strict), the practices it covered, how
  many rows it accepted and its rejects;
* per practice: the digest of the last committed import that covered it.

An import whose digest is its source's remembered one *and* the last one of
every practice it covers can change nothing: the store holds exactly what
that import left (nothing else writes the imported columns; `purge` forgets
the memory).  It reports what re-reading would: every accepted row
unchanged, the same rejects.  Another source's import of one of those
practices breaks the chain, so the next import of this source reads it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from smsremind.i18n import Later
from smsremind.intake import formats
from smsremind.intake.importer import ImportReport, Reject, Spec
from smsremind.storage.store import IMPORT_MEMO, Store

_SOURCE = IMPORT_MEMO + "source:"
_PRACTICE = IMPORT_MEMO + "practice:"
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Memo:
    source: str  # the meta key of the source
    digest: str

    @classmethod
    def of(
        cls, spec: Spec, *, full: bool, quiet: bool, strict: bool, practice: str | None, limits: str
    ) -> Memo | None:
        """The digest of a source and the options; None if the source cannot be read (the
        import then says why) or is not remembered: standard input (a new temporary file each
        time), and workbooks and calendars (a calendar's rows depend on today: recurring
        visits are expanded for the days ahead).  ``spec`` counts whole (its repr), so a field
        added to it later counts too; ``limits`` is the repr of the --full limits."""
        if spec.display or (not (spec.table or spec.query) and formats.kind(spec.path) != "csv"):
            return None
        h = hashlib.sha256()  # with the CPU's SHA instructions, twice the speed of blake2b here
        described = repr(replace(spec, path=spec.path.resolve()))  # "a.csv" and "/x/a.csv" alike
        h.update(json.dumps([described, full, quiet, strict, practice, limits]).encode())
        files = [spec.path]
        if spec.table or spec.query:  # a database in WAL mode keeps recent writes beside it
            files.append(spec.path.with_name(spec.path.name + "-wal"))
        try:
            for path in files:
                _feed(h, path)
        except OSError:
            return None
        name = json.dumps([str(spec.path.resolve()), spec.table, spec.query])
        return cls(_SOURCE + name, h.hexdigest())

    def recall(self, store: Store, name: str) -> ImportReport | None:
        """The report of an import that would change nothing, or None: read the source."""
        text = store.get_meta(self.source)
        if text is None:
            return None
        last = json.loads(text)
        if last["digest"] != self.digest:
            return None
        keys = [_PRACTICE + p for p in last["practices"]]
        marks = ",".join("?" * len(keys))
        current = store.conn.execute(
            f"SELECT count(*) FROM meta WHERE key IN ({marks}) AND value = ?", [*keys, self.digest]
        )
        if current.fetchone()[0] != len(keys):
            return None
        report = ImportReport(name, unchanged=last["rows"], rejected=last["rejected"], committed=True)
        report.structural, report.first_structural = last["structural"]
        report.rejects = [
            Reject(line, _revived(reason, *said), structural)
            for line, reason, structural, *said in last["rejects"]
        ]
        report.practices = last["practices"]
        return report

    def remember(self, conn: sqlite3.Connection, report: ImportReport, rows: int) -> None:
        """Inside the import's transaction: this import is the last one of its source and practices."""
        last = {
            "digest": self.digest,
            "practices": report.practices,
            "rows": rows,
            "rejected": report.rejected,
            "structural": (report.structural, report.first_structural),
            # in line order, as the report is printed (it is sorted only after this transaction)
            "rejects": [
                (r.line, r.reason, r.structural, _kept(r.reason))
                for r in sorted(report.rejects, key=lambda r: r.line)
            ],
        }
        pairs = [(self.source, json.dumps(last))] + [(_PRACTICE + p, self.digest) for p in report.practices]
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            pairs,
        )


def _kept(value: Any) -> Any:
    """A reject's reason as JSON that keeps its msgid and fields, so a replayed report is
    printed in the language of the day, not of the import it replays."""
    if isinstance(value, Later):
        return {"msgid": value.msgid, "fields": {k: _kept(v) for k, v in value.fields.items()}}
    return value


def _later(kept: Any) -> Any:
    if isinstance(kept, dict):
        return Later(kept["msgid"], **{k: _later(v) for k, v in kept["fields"].items()})
    return kept


def _revived(reason: str, kept: Any = None) -> str:
    """The reason as remembered; its English text wins over a msgid this version no longer has."""
    try:
        later = _later(kept)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):  # another version's shape
        return reason
    return later if isinstance(later, Later) and later == reason else reason


def _feed(h: Any, path: Path) -> None:
    if not path.exists() and path.name.endswith("-wal"):
        return
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            h.update(block)
