"""The exactly-once fault suite (issue 5), shared by bench/fault_suite.py and tests/sending/test_faults.py.

Per gateway, against its local server: each round puts N messages due, starts
a real `smsremind run` process, injects random gateway faults, kills the
process with SIGKILL at a random moment, then runs clean runs until nothing is
left `sending`.  The server's `accepted` log is the truth about what went out.
Then 8 overlapping runs over a fresh day.  Figures: kills, duplicates (a
message accepted twice), lost (a due visit with no final outcome), unknown,
and quota charged vs parts accepted.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.fakes.fake_serwersms import FakeSerwersms
from tests.fakes.fake_smsapi import FakeSmsapi
from tests.fakes.fake_smsbrana import FakeSmsbrana
from tests.fakes.fake_twilio import FakeTwilio

BIN = str(Path(sys.executable).parent / "smsremind")
FAKES = {"smsapi": FakeSmsapi, "smsbrana": FakeSmsbrana, "twilio": FakeTwilio, "serwersms": FakeSerwersms}
FIRST_DAY = date(2026, 12, 1)
FAULTS = (
    "accept_then_hang_next",
    "accept_then_drop_next",
    "drop_next",
    "garbage_next",
    "fail_next",
    "rate_limit_next",
)


def _config(name: str, fake: Any) -> str:
    keys = {
        "smsapi": 'provider = "smsapi"\ntoken = "test-token"\n',
        "smsbrana": 'provider = "smsbrana"\nlogin = "gabinet"\npassword = "secret"\n',
        "twilio": f'provider = "twilio"\naccount_sid = "AC{"0" * 32}"\nauth_token = "token"\n',
        "serwersms": 'provider = "serwersms"\ntoken = "test-token"\n',
    }[name]
    return (
        f"enabled = true\n[reminders]\nskip_weekends = false\n[quota]\nmonthly = 10000000\nalerts = []\n"
        f'[gateway]\n{keys}base_url = "{fake.url}"\nsender = "Gabinet"\ntimeout = 0.3\nworkers = 8\n'
        "rate = 10000\n"
    )


def _sh(folder: Path, *args: str) -> str:
    done = subprocess.run([BIN, *args], cwd=folder, capture_output=True, text=True, timeout=300)
    if done.returncode not in (0, 3):
        raise RuntimeError(f"smsremind {' '.join(args)}: {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def _setup(folder: Path, name: str, fake: Any, days: int, per_day: int) -> None:
    _sh(folder, "init")
    (folder / "smsremind.toml").write_text(_config(name, fake))
    rows = ["id,start,phone,patient,practice"]
    for d in range(days):
        day = FIRST_DAY + timedelta(days=d + 1)
        for i in range(per_day):
            minute = 10 * 60 + (i * 480) // per_day  # 10:00-17:59
            rows.append(
                f"{d}-{i},{day} {minute // 60:02d}:{minute % 60:02d},+48601{d:03d}{i:03d},P{i},Gabinet"
            )
    (folder / "visits.csv").write_text("\n".join(rows) + "\n")
    _sh(folder, "--now", f"{FIRST_DAY - timedelta(days=1)} 10:00", "import", "visits.csv")
    _sh(folder, "templates", "set", "reminder", "{practice}: wizyta {date} o {time}")


def _inject(fake: Any, rng: random.Random) -> None:
    for _ in range(rng.randint(0, 4)):
        fault = rng.choice(FAULTS)
        kwargs = {"seconds": 0.6} if fault == "accept_then_hang_next" else {}
        kwargs.update({"status": 503} if fault == "fail_next" else {})
        getattr(fake, fault)(**kwargs)


def _killed_run(folder: Path, now: str, rng: random.Random, window: tuple[float, float]) -> bool:
    proc = subprocess.Popen(
        [BIN, "--now", now, "run"], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(rng.uniform(*window))
    killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return killed


def _clean_runs(folder: Path, fake: Any, now: str) -> None:
    fake.reset_faults()
    for _ in range(4):
        json.loads(_sh(folder, "--now", now, "run", "--json"))
        with sqlite3.connect(folder / "smsremind.db") as conn:
            if not conn.execute("SELECT count(*) FROM messages WHERE state = 'sending'").fetchone()[0]:
                return
    raise AssertionError("messages still 'sending' after clean runs")


def figures(folder: Path, fake: Any, name: str, kills: int, rounds: int) -> dict[str, Any]:
    with sqlite3.connect(folder / "smsremind.db") as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM messages GROUP BY state").fetchall())
        due = conn.execute(
            "SELECT count(*) FROM appointments a WHERE start < ? ",
            # every day the rounds and the overlapping stage sent for (whether or not the
            # round's run was still going when its kill came)
            (f"{FIRST_DAY + timedelta(days=rounds + 3)}T00:00:00Z",),
        ).fetchone()[0]
        settled = conn.execute(
            "SELECT count(DISTINCT ma.appointment) FROM message_appointments ma JOIN messages m "
            "ON m.id = ma.message WHERE m.state IN ('sent', 'unknown', 'failed')"
        ).fetchone()[0]
        charged = -conn.execute(
            "SELECT coalesce(sum(parts), 0) FROM ledger WHERE kind IN ('charge', 'refund')"
        ).fetchone()[0]
    per = Counter((m["key"] or m["to"]) for m in fake.accepted)
    return {
        "gateway": name,
        "kills": kills,
        "messages": sum(states.values()),
        "accepted": len(fake.accepted),
        "duplicates": sum(c - 1 for c in per.values() if c > 1),
        "lost": due - settled,
        "unknown": states.get("unknown", 0),
        "sending_left": states.get("sending", 0),
        "charged_parts": charged,
        "accepted_parts": sum(m["parts"] for m in fake.accepted),
        "states": states,
    }


def suite(
    name: str,
    folder: Path,
    rounds: int,
    per_day: int,
    seed: int = 7,
    kill_window: tuple[float, float] = (0.35, 1.2),
) -> dict[str, Any]:
    """Killed runs followed by clean runs, then 8 overlapping runs; returns the figures."""
    rng = random.Random(seed)
    fake = FakeSmsbrana(credit=10_000_000.0) if name == "smsbrana" else FAKES[name]()
    fake.start()
    try:
        fake.delay(0.004)
        _setup(folder, name, fake, rounds + 1, per_day)
        kills = 0
        for r in range(rounds):
            now = f"{FIRST_DAY + timedelta(days=r)} 19:00"
            _inject(fake, rng)
            kills += _killed_run(folder, now, rng, kill_window)
            _clean_runs(folder, fake, now)
        now = f"{FIRST_DAY + timedelta(days=rounds)} 19:00"
        procs = [
            subprocess.Popen(
                [BIN, "--now", now, "run"], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            for _ in range(8)
        ]
        for p in procs:
            p.wait(timeout=300)
        _clean_runs(folder, fake, now)
        result = figures(folder, fake, name, kills, rounds)
        attention = json.loads(_sh(folder, "--now", now, "status", "--json"))["attention"]
        result["unknown_in_status"] = sum(m["status"] == "unknown" for m in attention)
        result["rounds"] = rounds
        return result
    finally:
        fake.stop()
