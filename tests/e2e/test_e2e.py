"""The installed `smsremind` as a subprocess, the way cron runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SAMPLE

BIN = Path(sys.executable).parent / "smsremind"
pytestmark = pytest.mark.slow


def sh(folder: Path, *args: str, now: str | None = None, code: int = 0) -> subprocess.CompletedProcess:
    argv = [str(BIN), *(["--now", now] if now else []), *args]
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, (argv, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done


def outbox(folder: Path) -> list[dict]:
    path = folder / "outbox.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def enable(folder: Path) -> None:
    path = folder / "smsremind.toml"
    path.write_text(path.read_text().replace("enabled = false ", "enabled = true  ", 1))


def test_import_preview_run_rerun_move_run(tmp_path: Path) -> None:
    assert BIN.exists(), "run the tests from the installed environment (make test)"
    sh(tmp_path, "init")
    enable(tmp_path)
    sh(tmp_path, "import", str(SAMPLE), now="2026-11-26 18:00")
    preview = json.loads(
        sh(tmp_path, "preview", "--date", "2026-11-27", "--json", now="2026-11-26 18:00").stdout
    )
    planned = [m for m in preview if m["status"] == "planned"]
    assert len(planned) == 9 and len(preview) == 11

    first = json.loads(sh(tmp_path, "run", "--json", now="2026-11-27 20:00").stdout)
    assert (first["sent"], first["skipped"]) == (9, 2)
    assert sorted(tuple(m["appointments"]) for m in outbox(tmp_path)) == sorted(
        tuple(m["appointments"]) for m in planned
    )

    again = json.loads(sh(tmp_path, "run", "--json", now="2026-11-27 20:00").stdout)
    assert (again["sent"], again["skipped"], len(outbox(tmp_path))) == (0, 0, 9)

    # The practice moves Monday 13:00 (id 1016) to Wednesday 13:00 and re-exports.
    moved = tmp_path / "moved.csv"
    moved.write_text(
        SAMPLE.read_text(encoding="utf-8").replace("1016,2026-11-30 13:00", "1016,2026-12-02 13:00"),
        encoding="utf-8",
    )
    report = json.loads(sh(tmp_path, "import", str(moved), "--json", now="2026-11-28 10:00").stdout)
    assert (report["moved"], report["new"], report["unchanged"]) == (1, 0, 60)
    tuesday = json.loads(sh(tmp_path, "run", "--json", now="2026-12-01 20:00").stdout)
    assert ["1016"] in [m["appointments"] for m in tuesday["messages"] if m["status"] == "sent"]
    texts = [m["text"] for m in outbox(tmp_path) if m["appointments"] == ["1016"]]
    assert len(texts) == 2 and "30.11.2026, godz. 13:00" in texts[0] and "02.12.2026, godz. 13:00" in texts[1]
    status = sh(tmp_path, "status", now="2026-12-01 20:05").stdout
    assert "Last run: 2026-12-01 20:00, ok" in status


def test_parallel_runs_send_each_message_once(tmp_path: Path) -> None:
    sh(tmp_path, "init")
    enable(tmp_path)
    rows = ["id,start,phone,patient,practice"]
    rows += [
        f"{i},2026-12-01 {10 + i % 9}:{i % 60:02d},+48601{i:06d},Pacjent {i},Gabinet" for i in range(200)
    ]
    (tmp_path / "big.csv").write_text("\n".join(rows) + "\n")
    sh(tmp_path, "import", "big.csv", now="2026-11-20 10:00")
    argv = [str(BIN), "--now", "2026-11-30 20:00", "run", "--json"]
    procs = [
        subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    sent = sum(json.loads(out)["sent"] for out, _ in results)
    lines = outbox(tmp_path)
    per_visit = Counter(a for line in lines for a in line["appointments"])
    assert sent == 200 and len(lines) == 200
    assert set(per_visit.values()) == {1} and len(per_visit) == 200
    assert len({line["id"] for line in lines}) == 200
    # and a fifth run afterwards finds nothing left to do
    assert json.loads(sh(tmp_path, "run", "--json", now="2026-11-30 20:01").stdout)["sent"] == 0


def test_bad_input_never_shows_a_traceback(tmp_path: Path) -> None:
    sh(tmp_path, "status", code=1)
    sh(tmp_path, "init")
    (tmp_path / "junk.csv").write_bytes(b"\xff\xfe\x00\x01garbage")
    assert "not a CSV file" in sh(tmp_path, "import", "junk.csv", code=1).stderr
    assert "is not a date" in sh(tmp_path, "preview", "--date", "soon", code=2).stderr
    (tmp_path / "smsremind.db").write_bytes(b"this is not sqlite" * 100)
    assert "not a usable smsremind database" in sh(tmp_path, "status", code=1).stderr


def test_coverage_and_number_skips_follow_the_number(tmp_path: Path) -> None:
    """Issue 11: a reminder sent to a since-corrected number covers nothing; a reminder
    skipped for its number stays skipped once its day is over."""
    sh(tmp_path, "init")
    enable(tmp_path)
    head = "id,start,phone,patient,practice\n"
    landline = "3,2026-11-10 12:00,22 628 45 12,C,P\n"
    (tmp_path / "a.csv").write_text(head + "1,2026-11-10 10:00,+48601111111,A,P\n" + landline)
    sh(tmp_path, "import", "a.csv", now="2026-11-02 10:00")
    sh(tmp_path, "run", now="2026-11-09 10:00")
    (tmp_path / "b.csv").write_text(
        head + "1,2026-11-10 10:00,+48602222222,A,P\n2,2026-11-10 14:00,+48602222222,B,P\n" + landline
    )
    sh(tmp_path, "import", "b.csv", now="2026-11-09 11:00")
    sh(tmp_path, "run", now="2026-11-09 14:00")
    assert [(m["to"], m["appointments"]) for m in outbox(tmp_path)] == [
        ("+48601111111", ["1"]),
        ("+48602222222", ["2"]),
    ]
    shown = json.loads(
        sh(tmp_path, "preview", "--date", "2026-11-09", "--json", now="2026-11-11 08:00").stdout
    )
    assert [(m["appointments"], m["status"], m["reason"]) for m in shown] == [
        (["1"], "sent", None),
        (["3"], "skipped", "landline"),
        (["2"], "sent", None),
    ]
