"""A "year" database: what a large practice chain has stored after a year of cron (issue 14).

Built once and cached under bench/out/year/ (delete that folder to rebuild; it
is rebuilt by itself when this file changes):

* ``year.csv`` — 1,000,000 appointments on working days from 2026-01-05 to
  2027-02-26 (≈ 3,300 a day) at three practices, 9 columns: id, start,
  patient, phone, practice, doctor, status, language and ``booked_at`` with
  seconds (1–60 days before the visit, in office hours), patients repeating as in
  bench/gen.py (a pool of 125,000 numbers, a fifth shared by families, 2 %
  landlines, 0.5 % typos), 4 % cancelled;
* ``smsremind.db`` — that file imported by the real `smsremind import --full`
  at 2026-01-01 07:00, then every send day up to Monday 2026-11-30 planned
  by the product's own planner (`planner.reminders_for` at 20:00 of the day,
  texts rendered by its composer, numbers classified by its classifier) and
  recorded in the shapes `run` writes: reminders ``sent`` (1 % ``failed``,
  0.2 % ``unknown``) with a final delivery report and a quota charge in the
  ledger per sent message, skips (landline, invalid number) and expiries as
  ``skipped``/``expired`` rows, a monthly allowance row per month, and one
  ``runs`` row per 5 minutes of the sending window.  Only the writes are
  bulk SQL instead of one claim transaction per message (a year of those
  would take hours); the rows are the ones `journal` writes.

So on 2026-11-30 20:00 the database looks as if cron had run all year: every
reminder up to Tuesday 2026-12-01's visits has gone out; later visits wait.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.gen import FIRST, LAST, PRACTICES, phones  # noqa: E402
from smsremind import config  # noqa: E402
from smsremind.clock import parse_now, to_store  # noqa: E402
from smsremind.rules import planner  # noqa: E402
from smsremind.sending.journal import new_key  # noqa: E402
from smsremind.storage.store import PAGE_SIZE, Store  # noqa: E402

BIN = str(Path(sys.executable).parent / "smsremind")
FOLDER = HERE / "out" / "year"
ROWS = 1_000_000
FIRST_DAY, LAST_DAY = date(2026, 1, 5), date(2027, 2, 26)
IMPORT_AT = "2026-01-01 07:00"
LAST_SEND_DAY = date(2026, 11, 30)
CONFIG = (
    "enabled = true\n[quota]\nmonthly = 1000000\nalerts = []\n"
    '[gateway]\nprovider = "outbox"\n'  # the benches write their own [gateway]
)


def working_days() -> list[date]:
    days, day = [], FIRST_DAY
    while day <= LAST_DAY:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def write_csv(path: Path, rows: int = ROWS, seed: int = 14) -> None:
    rng = random.Random(seed)
    pool = phones(rows // 8, rng)
    days = working_days()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["id", "start", "patient", "phone", "practice", "doctor", "status", "language", "booked_at"]
        )
        for i in range(rows):
            day = days[i * len(days) // rows]
            minutes = 8 * 60 + 15 * rng.randrange(44)
            start = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60)
            # booked 1-60 days before, in office hours (never in a DST gap), to the second
            booked = datetime.combine(
                start.date() - timedelta(days=rng.randrange(1, 61)), datetime.min.time()
            )
            booked += timedelta(seconds=8 * 3600 + rng.randrange(12 * 3600))
            w.writerow(
                (
                    i + 1,
                    f"{start:%Y-%m-%d %H:%M}",
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    rng.choice(pool),
                    PRACTICES[i % 3],
                    f"dr {rng.choice(LAST)}",
                    "cancelled" if rng.random() < 0.04 else "scheduled",
                    "pl",
                    f"{booked:%Y-%m-%d %H:%M:%S}",
                )
            )


def _state(rng: random.Random, status: str) -> str | None:
    if status in ("due", "planned"):
        roll = rng.random()
        return "failed" if roll < 0.01 else "unknown" if roll < 0.012 else "sent"
    return status if status in ("skipped", "expired") else None


def fill_history(folder: Path) -> dict[str, int]:
    """Messages, links, ledger and runs for every send day up to LAST_SEND_DAY."""
    cfg = config.load(folder / "smsremind.toml")
    store = Store(cfg.database)
    conn = store.conn
    conn.execute("PRAGMA synchronous = OFF")  # a bench fixture: rebuilt if a crash spoils it
    rng = random.Random(15)
    months: set[str] = set()
    day = FIRST_DAY - timedelta(days=3)
    while day <= LAST_SEND_DAY:
        now = parse_now(f"{day:%Y-%m-%d} 20:00", cfg.timezone)
        ctx = planner.PlanContext.build(store, cfg, now)
        outcomes = planner.reminders_for(store, ctx, [day])
        with store.tx():
            month = f"{day:%Y-%m}"
            if month not in months:
                months.add(month)
                conn.execute(
                    "INSERT INTO ledger (at, month, kind, pool, parts, note) "
                    "VALUES (?, ?, 'allowance', 'monthly', 1000000, ?)",
                    (f"{month}-01T00:00:00Z", month, f"allowance for {month}"),
                )
            for p in outcomes:
                state = _state(rng, p.status)
                if state is None:
                    continue
                _record(conn, p, state, rng)
            _runs(conn, day, cfg)
        day += timedelta(days=1)
    counts = {
        t: store.scalar(f"SELECT count(*) FROM {t}") for t in ("appointments", "messages", "ledger", "runs")
    }
    store.close()
    return counts


def _record(conn, p, state: str, rng: random.Random) -> None:
    send_at = to_store(p.send_at)
    sent = state in ("sent", "unknown", "failed")
    cur = conn.execute(
        "INSERT INTO messages (key, kind, practice, phone, recipient, sender, text, parts, encoding, "
        "send_at, state, reason, gateway, gateway_id, attempts, created_at, updated_at, sent_at, "
        "delivery, delivery_at, delivery_final) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            new_key(),
            p.kind,
            p.practice,
            p.phone.raw,
            p.to,
            p.sender,
            p.text,
            p.parts,
            p.encoding,
            send_at,
            state,
            p.reason if not sent else ("rejected by the gateway" if state == "failed" else None),
            "smsapi" if sent else None,
            str(rng.randrange(10**12)) if state == "sent" else None,
            1 if sent else 0,
            send_at,
            send_at,
            send_at if state == "sent" else None,
            "DELIVERED" if state == "sent" else None,
            send_at if state == "sent" else None,
            1 if state == "sent" else 0,
        ),
    )
    message = cur.lastrowid
    conn.executemany(
        "INSERT INTO message_appointments (message, appointment, start, kind) VALUES (?, ?, ?, ?)",
        [(message, vid, start, p.kind) for vid, start in p.starts.items()],
    )
    if state == "sent":
        conn.execute(
            "INSERT INTO ledger (at, month, kind, pool, parts, message) "
            "VALUES (?, ?, 'charge', 'monthly', ?, ?)",
            (send_at, f"{p.send_at:%Y-%m}", -p.parts, message),
        )


def _runs(conn, day: date, cfg) -> None:
    rows = []
    for minutes in range(9 * 60, 20 * 60 + 1, 5):
        now = to_store(parse_now(f"{day:%Y-%m-%d} {minutes // 60:02d}:{minutes % 60:02d}", cfg.timezone))
        rows.append((1, now, now, now, "ok"))
    conn.executemany("INSERT INTO runs (pid, started_at, now, finished_at, outcome) VALUES (?,?,?,?,?)", rows)


def _stamp() -> str:
    """The version of what builds the database: this file, the generator and the page size
    (fixed when the file is made; a newer schema merely migrates the cached copy)."""
    h = hashlib.sha256()
    for name in ("bench/year.py", "bench/gen.py"):
        h.update((HERE.parent / name).read_bytes())
    h.update(str(PAGE_SIZE).encode())
    return h.hexdigest()[:16]


def build(folder: Path = FOLDER, rows: int = ROWS) -> dict:
    """The cached year database (built on first use); returns its description."""
    info = folder / "year.json"
    if info.exists() and json.loads(info.read_text()).get("stamp") == _stamp():
        return json.loads(info.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    write_csv(folder / "year.csv", rows)
    subprocess.run([BIN, "init"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    (folder / "smsremind.toml").write_text(CONFIG)
    subprocess.run(
        [BIN, "--now", IMPORT_AT, "import", "--full", "year.csv"],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    counts = fill_history(folder)
    subprocess.run(["sqlite3", str(folder / "smsremind.db"), "PRAGMA wal_checkpoint(TRUNCATE);"], check=False)
    doc = {"stamp": _stamp(), **counts, "db_mb": round((folder / "smsremind.db").stat().st_size / 2**20)}
    info.write_text(json.dumps(doc, indent=2))
    return doc


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    print(json.dumps(build(FOLDER if rows == ROWS else HERE / "out" / f"year-{rows}", rows), indent=2))
