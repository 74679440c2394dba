"""A plain UTF-8 export is read without the whole-file encoding scan; anything else is found
while reading, the attempt rolled back, and the file read again after the scan -- with the
very result the scan first would have given."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from smsremind import clock
from smsremind.intake import encoding, importer, sync
from smsremind.storage.store import Store
from tests.conftest import Cli

WAW = clock.zone("Europe/Warsaw")
HEADER = "id,start,phone,patient,practice\n"


def rows(n: int, first: int = 0) -> str:
    return "".join(f"V{i},2026-11-24 {8 + i % 10}:{i % 4 * 15:02d},+48601{i:06d},Żaneta {i},Uśmiech\n"
                   for i in range(first, first + n))  # fmt: skip


def do_import(db: Path, path: Path, now: str = "2026-11-20 10:00") -> tuple[sync.ImportReport, list[tuple]]:
    store = Store(db, create=True)
    prepared = importer.prepare(importer.Spec(path, {}, WAW.key))
    report = sync.import_rows(store, prepared, clock.parse_now(now, WAW), full=True)
    stored = store.conn.execute("SELECT ext_id, patient, start FROM appointments ORDER BY id").fetchall()
    store.close()
    return report, stored


@pytest.fixture
def decisions(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every whole-file scan made."""
    made: list[Path] = []
    decide = encoding.decide

    def counted(path: Path) -> encoding.Decision:
        made.append(path)
        return decide(path)

    monkeypatch.setattr(encoding, "decide", counted)
    return made


def test_a_plain_file_is_not_scanned_first(tmp_path: Path, decisions: list[Path]) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(("\ufeff" + HEADER + rows(5000)).encode())
    report, stored = do_import(tmp_path / "db.sqlite", path)
    assert (report.new, report.rejected, decisions) == (5000, 0, [])
    assert stored[0] == ("V0", "Żaneta 0", "2026-11-24T07:00:00Z")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (b"\x9c", "byte 0x9C is not valid in this file's encoding"),  # a cp1250 "s"
        (b"\x00", "a NUL byte (binary damage)"),
    ],
)
def test_damage_deep_in_the_file_is_read_again_after_the_scan(
    tmp_path: Path, decisions: list[Path], damage: bytes, reason: str
) -> None:
    """4,000 good rows, one damaged, 3,000 more: into a store that holds the first 4,000 already
    (so the rolled-back attempt had staged rows) and into an empty one (a bulk load)."""
    good, late = HEADER + rows(4000), rows(3000, first=4001)
    damaged = "V4000,2026-11-25 10:00,+48601999999,Ża#neta,Uśmiech\n".encode().replace(b"#", damage)
    path = tmp_path / "in.csv"
    path.write_bytes(good.encode() + damaged + late.encode())
    for db in (tmp_path / "known.sqlite", tmp_path / "empty.sqlite"):
        if db.name == "known.sqlite":
            (tmp_path / "first.csv").write_bytes(good.encode())
            do_import(db, tmp_path / "first.csv", "2026-11-19 10:00")
        decisions.clear()
        report, stored = do_import(db, path)
        assert decisions == [path]  # scanned once, after the plain attempt
        assert [(r.line, r.reason) for r in report.rejects] == [(4002, reason)]
        assert report.new == (3000 if db.name == "known.sqlite" else 7000) and report.committed
        assert len(stored) == 7000 and ("V4000",) not in {s[:1] for s in stored}
        assert stored[-1] == ("V7000", "Żaneta 7000", "2026-11-24T07:00:00Z")
        check = sqlite3.connect(db)
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        booked = 3000 if db.name == "known.sqlite" else 0  # a baseline records no events
        assert check.execute("SELECT count(*) FROM events").fetchone() == (booked,)


def test_a_damaged_standard_input_is_still_named_so(app: Cli) -> None:
    plain = HEADER + rows(3000).replace("Ż", "Z").replace("ś", "s").replace("V0,", "V0ż,", 1)  # one letter
    text = plain.encode() + "X1,2026-11-24 10:00,601999999,Ż,Żółw\n".encode("cp1250") * 40
    result = app("import", "-", input=text, now="2026-11-20 10:00", code=1)
    assert result.stderr.startswith("smsremind: error: standard input: line 3002: mixes UTF-8 text")
    assert sqlite3.connect(app.folder / "smsremind.db").execute(
        "SELECT count(*) FROM appointments"
    ).fetchone() == (0,)
