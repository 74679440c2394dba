"""A run killed (SIGKILL) while it takes answers in: each answer ends up stored exactly once."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = str(Path(sys.executable).parent / "smsremind")
ENV = {"PATH": "/usr/bin:/bin"}  # cron's bare environment
pytestmark = pytest.mark.slow


def _sh(folder: Path, *args: str) -> str:
    done = subprocess.run([BIN, *args], cwd=folder, capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _answers(folder: Path, start: int, count: int) -> None:
    with open(folder / "inbox.jsonl", "a", encoding="utf-8") as fh:
        for i in range(start, start + count):
            text = random.Random(i).choice(["TAK", "NIE", "Czy mogę później?", "STOP"])
            at = f"2026-11-30T{10 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}+01:00"
            fh.write(json.dumps({"from": f"+48601{i % 500:06d}", "text": text, "received_at": at}) + "\n")


def test_answers_fetched_by_killed_runs_are_stored_once(tmp_path: Path) -> None:
    _sh(tmp_path, "init")
    (tmp_path / "smsremind.toml").write_text(
        "enabled = true\n[quota]\nmonthly = 1000000\nalerts = []\n"
        "[replies]\nenabled = true\nacknowledge = true\n"
    )
    rows = ["id,start,phone,patient,practice"] + [
        f"{i},2026-12-01 10:00,+48601{i:06d},P{i},Gabinet" for i in range(500)
    ]
    (tmp_path / "visits.csv").write_text("\n".join(rows) + "\n")
    _sh(tmp_path, "--now", "2026-11-20 10:00", "import", "visits.csv")
    _sh(tmp_path, "--now", "2026-11-30 10:00", "run")
    rng = random.Random(16)
    total, kills = 0, 0
    for minute in range(4):
        _answers(tmp_path, total, 400)  # more arrive between runs, as at a real gateway
        total += 400
        proc = subprocess.Popen(
            [BIN, "--now", f"2026-11-30 12:0{minute}", "run"],
            cwd=tmp_path,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.35, 0.9))
        kills += proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert kills >= 1
    _sh(tmp_path, "--now", "2026-11-30 12:10", "run")
    _sh(tmp_path, "--now", "2026-11-30 12:15", "run")
    with sqlite3.connect(tmp_path / "smsremind.db") as conn:
        stored = conn.execute("SELECT count(*), count(DISTINCT dedup) FROM replies").fetchone()
        unlinked = conn.execute(
            "SELECT count(*) FROM replies r WHERE NOT EXISTS "
            "(SELECT 1 FROM reply_appointments ra WHERE ra.reply = r.id)"
        ).fetchone()[0]
        sending = conn.execute("SELECT count(*) FROM messages WHERE state = 'sending'").fetchone()[0]
        acks = conn.execute(
            "SELECT count(*), count(DISTINCT r.id) FROM messages m JOIN replies r ON r.ack = m.key "
            "WHERE m.kind = 'acknowledgement'"
        ).fetchone()
        owed = conn.execute("SELECT count(*) FROM replies WHERE meaning IN ('confirm', 'cancel')").fetchone()[
            0
        ]
    assert stored == (total, total)  # every answer, once
    assert unlinked == 0 and sending == 0
    assert acks[0] == acks[1] <= owed  # never two acknowledgements for one answer
    outbox = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    sent_acks = [m for m in outbox if m["kind"] == "acknowledgement"]
    assert len(sent_acks) == len({m["id"] for m in sent_acks}) == acks[0]
