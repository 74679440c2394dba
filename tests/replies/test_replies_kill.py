"""Runs killed (SIGKILL) while they take answers in: each answer ends up stored exactly once.

Per gateway, its local server (or the outbox's inbox.jsonl) holds the answers; more arrive between
runs, as at a real gateway; each round's `smsremind run` (a real process, cron's bare environment)
is killed at a random moment, then clean runs take in the rest.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.fakes.fake_serwersms import FakeSerwersms
from tests.fakes.fake_smsbrana import FakeSmsbrana
from tests.fakes.fake_twilio import FakeTwilio

BIN = str(Path(sys.executable).parent / "smsremind")
ENV = {"PATH": "/usr/bin:/bin"}  # cron's bare environment
WARSAW = ZoneInfo("Europe/Warsaw")
VISITS, PER_ROUND, ROUNDS = 100, 300, 3
OUR_NUMBER = "+48500000000"
pytestmark = pytest.mark.slow


def _sh(folder: Path, *args: str) -> str:
    done = subprocess.run([BIN, *args], cwd=folder, capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _answer(i: int) -> tuple[str, str, datetime]:
    text = random.Random(i).choice(["TAK", "NIE", "Czy mogę później?", "STOP"])
    return (
        f"+48601{i % VISITS:06d}",
        text,
        datetime(2026, 11, 30, 10 + i // 3600, i // 60 % 60, i % 60, tzinfo=WARSAW),
    )


class Outbox:
    """The outbox gateway: answers are lines of inbox.jsonl."""

    url = ""

    def __init__(self, folder: Path):
        self.folder = folder

    def receive(self, phone: str, text: str, at: datetime) -> None:
        with open(self.folder / "inbox.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"from": phone, "text": text, "received_at": at.isoformat()}) + "\n")


def _gateway(name: str, folder: Path) -> tuple[Any, str, Any]:
    """(server, [gateway] section, receive(phone, text, at))."""
    if name == "outbox":
        box = Outbox(folder)
        return None, "", box.receive
    fake = {"serwersms": FakeSerwersms, "smsbrana": FakeSmsbrana, "twilio": FakeTwilio}[name]().start()
    fake.delay(0.003)
    keys = {
        "serwersms": 'provider = "serwersms"\ntoken = "test-token"\nsender = ""\n',
        "smsbrana": 'provider = "smsbrana"\nlogin = "gabinet"\npassword = "secret"\n',
        "twilio": f'provider = "twilio"\naccount_sid = "AC{"0" * 32}"\nauth_token = "token"\n'
        f'sender = "{OUR_NUMBER}"\n',
    }[name]
    receive = {
        "serwersms": lambda p, t, at: fake.receive(p, t, at),
        "smsbrana": lambda p, t, at: fake.receive(p.lstrip("+"), t, at),
        "twilio": lambda p, t, at: fake.receive(p, t, OUR_NUMBER, at),
    }[name]
    return (
        fake,
        f'[gateway]\n{keys}base_url = "{fake.url}"\ntimeout = 2\nworkers = 4\nrate = 10000\n',
        receive,
    )


@pytest.mark.parametrize("name", ["outbox", "serwersms", "smsbrana", "twilio"])
def test_answers_fetched_by_killed_runs_are_stored_once(tmp_path: Path, name: str) -> None:
    fake, section, receive = _gateway(name, tmp_path)
    try:
        _sh(tmp_path, "init")
        (tmp_path / "smsremind.toml").write_text(
            "enabled = true\n[quota]\nmonthly = 1000000\nalerts = []\n"
            "[replies]\nenabled = true\nacknowledge = true\n" + section
        )
        rows = ["id,start,phone,patient,practice"] + [
            f"{i},2026-12-01 10:00,+48601{i:06d},P{i},Gabinet" for i in range(VISITS)
        ]
        (tmp_path / "visits.csv").write_text("\n".join(rows) + "\n")
        _sh(tmp_path, "--now", "2026-11-20 10:00", "import", "visits.csv")
        _sh(tmp_path, "--now", "2026-11-30 10:00", "run")
        rng = random.Random(16)
        total, kills = 0, 0
        for minute in range(ROUNDS):
            for i in range(total, total + PER_ROUND):
                receive(*_answer(i))
            total += PER_ROUND
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
        _run_after_kills(tmp_path, "2026-11-30 12:10")
        _run_after_kills(tmp_path, "2026-11-30 12:15")
        _check(tmp_path, total)
    finally:
        if fake is not None:
            fake.stop()


def _run_after_kills(folder: Path, now: str) -> None:
    """A kill between handing an acknowledgement to a gateway without an idempotency key and
    hearing its answer leaves that SMS `unknown`: exit 3 with that one line is then the honest
    outcome (cron mails it); anything else is a failure."""
    done = subprocess.run(
        [BIN, "--now", now, "run"], cwd=folder, env=ENV, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 or (
        done.returncode == 3 and done.stderr.endswith(" an unknown fate; see `smsremind status`\n")
    ), done.stderr


def _check(folder: Path, total: int) -> None:
    with sqlite3.connect(folder / "smsremind.db") as conn:
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
        owed = conn.execute("SELECT count(*) FROM replies WHERE meaning IN ('confirm', 'cancel')").fetchone()
    assert stored == (total, total)  # every answer, once
    assert unlinked == 0 and sending == 0
    assert acks[0] == acks[1] <= owed[0]  # never two acknowledgements for one answer
