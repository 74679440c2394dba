"""An unchanged source is not read again (issue 14): same report, same exit code, no row work."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from smsremind import clock
from smsremind.intake import importer, sync
from smsremind.intake.memo import Memo
from smsremind.storage.store import Store
from tests.conftest import csv_file, write_config

BIN = Path(sys.executable).parent / "smsremind"
WAW = clock.zone("Europe/Warsaw")
HEAD = "id,start,phone,patient,practice\n"
ROWS = "".join(f"{i},2026-12-{1 + i % 20:02d} 10:00,60123{i:04d},P{i},Gabinet\n" for i in range(40))
BAD = "x,not a date,601234567,Bad,Gabinet\n"


def sh(folder: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess:
    """The CLI the way cron runs it: a bare environment."""
    env = {"PATH": os.environ["PATH"]}
    argv = [str(BIN), "--now", "2026-11-20 10:00", *args]
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == code, (argv, done.returncode, done.stdout, done.stderr)
    return done


def test_cli_unchanged_import_reports_what_reading_it_would(tmp_path: Path) -> None:
    write_config(tmp_path)
    first = csv_file(tmp_path, HEAD + ROWS + BAD, "a.csv")
    sh(tmp_path, "import", "--full", str(first), code=3)
    again = sh(tmp_path, "import", "--full", str(first), "--json", code=3)
    human = sh(tmp_path, "import", "--full", str(first), code=3)
    # A copy is another source: it is read row by row, and must say the same.
    shutil.copy(first, tmp_path / "b.csv")
    read = sh(tmp_path, "import", "--full", str(tmp_path / "b.csv"), "--json", code=3)
    expected = json.loads(read.stdout) | {"source": str(first)}
    assert json.loads(again.stdout) == expected
    assert expected["unchanged"] == 40 and expected["rejected"] == 1 and expected["rejects"]
    assert " ".join(human.stdout.split()) == (
        f"Imported {first}: 0 new, 0 moved, 0 cancelled, 0 restored, 0 updated, 40 unchanged, 1 rejected"
    )
    assert "line 42: start" in human.stderr


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "db.sqlite", create=True)


def do_import(store: Store, path: Path, now: str = "2026-11-20 10:00", **kw: Any) -> sync.ImportReport:
    mapping = kw.pop("mapping", {})
    prepared = importer.prepare(importer.Spec(path, mapping, WAW.key, None))
    return sync.import_rows(store, prepared, clock.parse_now(now, WAW), **kw)


@pytest.fixture
def no_reading(monkeypatch: pytest.MonkeyPatch) -> Any:
    def arm() -> None:
        def fail(*_a: Any, **_k: Any) -> Any:
            raise AssertionError("the source was read row by row")

        monkeypatch.setattr(importer.Prepared, "batches", fail)

    return arm


def test_same_bytes_do_no_row_work(store: Store, tmp_path: Path, no_reading: Any) -> None:
    path = csv_file(tmp_path, HEAD + ROWS)
    assert do_import(store, path, full=True).new == 40
    no_reading()
    report = do_import(store, Path(path.name), full=True)  # the same file, named relative to cwd
    assert (report.unchanged, report.new, report.committed, report.practices) == (40, 0, True, ["Gabinet"])


def test_a_changed_byte_or_option_is_read(store: Store, tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEAD + ROWS)
    do_import(store, path)
    csv_file(tmp_path, HEAD + ROWS.replace("10:00", "11:00", 1))
    assert do_import(store, path).moved == 1
    # the same bytes, another option: read (and here the other option matters)
    report = do_import(store, path, full=True, mapping={"patient": "practice"})
    assert report.updated == 40


def test_another_source_in_between_breaks_the_chain(store: Store, tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEAD + ROWS)
    do_import(store, path, full=True)
    other = csv_file(tmp_path, HEAD + "new-1,2026-12-05 09:00,601999999,N,Gabinet\n", "other.csv")
    assert do_import(store, other).new == 1
    report = do_import(store, path, full=True)  # read again: it cancels what the other added
    assert (report.removed, report.unchanged) == (1, 40)


def test_purge_forgets(store: Store, tmp_path: Path) -> None:
    from smsremind import config
    from smsremind.storage import purge

    cfg_path = write_config(tmp_path)
    path = csv_file(tmp_path, HEAD + ROWS)
    do_import(store, path)
    purge.purge(
        store, config.load(cfg_path), clock.parse_day("2026-12-05"), clock.parse_now("2026-12-10 10:00", WAW)
    )
    assert do_import(store, path).new == 8  # the purged past visits come back, as before


def test_full_finds_the_missing_once(store: Store, tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEAD + ROWS)
    do_import(store, path, full=True)
    csv_file(tmp_path, HEAD + ROWS.split("\n", 3)[3])
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    report = do_import(store, path, full=True)
    store.conn.set_trace_callback(None)
    assert report.removed == 3
    assert sum("NOT EXISTS (SELECT 1 FROM incoming" in s for s in seen) == 1
    cancelled = store.query("SELECT ext_id FROM appointments WHERE status = 'cancelled' ORDER BY id")
    events = store.query("SELECT kind, detail FROM events WHERE kind = 'cancelled'")
    assert [r["ext_id"] for r in cancelled] == ["0", "1", "2"]
    assert events == [{"kind": "cancelled", "detail": "missing from --full import"}] * 3


def test_standard_input_and_calendars_are_always_read(tmp_path: Path) -> None:
    write_config(tmp_path)
    env = {"PATH": os.environ["PATH"]}
    for _ in range(2):
        done = subprocess.run(
            [str(BIN), "--now", "2026-11-20 10:00", "import", "-"],
            cwd=tmp_path,
            input=HEAD + ROWS,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    ics = tmp_path / "c.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    spec = importer.Spec(ics, {}, WAW.key, "Gabinet")
    assert Memo.of(spec, full=True, quiet=False, strict=False, practice=None, limits="") is None
    store = Store(tmp_path / "smsremind.db")
    assert store.scalar("SELECT count(*) FROM meta WHERE key LIKE 'import-memo:%'") == 0
    store.close()
