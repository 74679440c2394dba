"""A bulk load (a baseline import into an empty table) builds its indexes once at the end, except
the index of untold changes, which baseline rows never enter: it is kept, not rebuilt."""

from __future__ import annotations

from pathlib import Path

from smsremind import clock
from smsremind.intake import importer, sync
from smsremind.storage.store import Store
from tests.conftest import csv_file

WAW = clock.zone("Europe/Warsaw")
HEADER = "id,start,phone,patient,practice,status\n"
UNTOLD = (
    "SELECT id FROM appointments INDEXED BY appointments_untold WHERE changed_at > '' "
    "AND (told_status IS NOT status OR told_start IS NOT start) "
    "AND (settled_status IS NOT status OR settled_start IS NOT start OR settled_phone IS NOT phone)"
)


def do_import(store: Store, path: Path, now: str) -> sync.ImportReport:
    prepared = importer.prepare(importer.Spec(path, {}, WAW.key))
    return sync.import_rows(store, prepared, clock.parse_now(now, WAW))


def visits(moved: dict[int, str]) -> str:
    """3,000 visits of one practice; those in ``moved`` at another start."""
    lines = (
        f"{i},{moved.get(i, f'2026-11-{24 + i % 3} {8 + i % 9:02d}:00')},60123{i:04d},P{i},Gabinet,\n"
        for i in range(3000)
    )
    return HEADER + "".join(lines)


def indexes(store: Store) -> dict[str, tuple[int, str]]:
    found = store.conn.execute(
        "SELECT name, rootpage, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'appointments'"
    )
    return {name: (root, sql) for name, root, sql in found}


def test_bulk_load_keeps_the_untold_index_and_rebuilds_the_others(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite", create=True)
    before = indexes(store)
    rows = visits({})
    report = do_import(store, csv_file(tmp_path, rows), "2026-11-20 10:00")
    assert report.new == 3000 and report.committed
    after = indexes(store)
    assert {name: sql for name, (_, sql) in after.items()} == {name: sql for name, (_, sql) in before.items()}
    assert after["appointments_untold"][0] == before["appointments_untold"][0]  # never dropped
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.conn.execute(UNTOLD).fetchall() == []  # baseline rows count as told
    # The kept index serves the next import's changes like a rebuilt one.
    moved = visits({1: "2026-11-26 09:00", 2: "2026-11-26 11:00"})
    report = do_import(store, csv_file(tmp_path, moved), "2026-11-21 10:00")
    assert report.moved == 2
    assert [r[0] for r in store.conn.execute(UNTOLD)] == [
        r[0] for r in store.conn.execute("SELECT id FROM appointments WHERE ext_id IN ('1', '2') ORDER BY id")
    ]
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
