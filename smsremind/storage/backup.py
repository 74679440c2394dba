"""`smsremind backup FILE`: a consistent copy of the live database.

SQLite's online backup API copies the database as one snapshot; in WAL mode
that snapshot is a read transaction, so a `run` or `import` going on at the
same time neither blocks it nor leaks half a transaction into the copy. The
copy is written into a private temporary file beside FILE and renamed onto
it, so FILE is always either the old backup or a whole new one (0600).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from smsremind.errors import SmsRemindError
from smsremind.i18n import _
from smsremind.storage import files
from smsremind.storage.store import Store


def backup(store: Store, target: Path) -> int:
    """Copy ``store`` to ``target``; returns the copy's size in bytes."""
    target = Path(os.path.abspath(target))
    if target.resolve() == store.path.resolve():
        raise SmsRemindError(_("{path} is the live database; give another file").format(path=target))
    files.check_path(target)  # an existing backup is replaced only if it is ours and a plain file
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    files.create_private(temp)
    try:
        copy = sqlite3.connect(temp)
        try:
            store.conn.backup(copy)
            ok = copy.execute("PRAGMA quick_check").fetchone()[0]
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            copy.close()
        if ok != "ok":
            text = _("the copy of {database} failed its check ({problem}); {path} unchanged")
            raise SmsRemindError(text.format(database=store.path, problem=ok, path=target))
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target.stat().st_size
