"""Every query on a hot path is served by an index, whatever the history size (issue 14).

A real installation (real SQLite file, a local gateway server, no ANALYZE: the
planner's defaults, as a customer's database has them) goes through a busy
day: a baseline import, sending, delivery reports, an orphan left by a
killed run, a --full re-import with changes, notices, a refund, `status`
and `preview`.  Every statement the product runs is recorded on its own
connection and explained there (temp tables included); a ``SCAN`` of
``messages``, ``ledger`` or ``appointments`` fails the test unless it is
listed in ALLOWED with the reason its cost does not grow with the history.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from smsremind import config
from smsremind.clock import parse_now
from smsremind.money import quota
from smsremind.sending import gateways, runner
from smsremind.storage.migrations import MIGRATIONS
from smsremind.storage.store import Store, _statements
from tests.conftest import Cli, csv_file
from tests.fakes.fake_smsapi import FakeSmsapi
from tests.fakes.fake_smsbrana import FakeSmsbrana

BIG = ("messages", "ledger", "appointments", "runs")  # runs: one row per cron tick

# SQL fragment -> why its scan is bounded (never by the number of rows stored).
ALLOWED = {
    "FROM appointments LIMIT 1": "stops at the first row: is the table empty?",
}
# Partial indexes that hold only work still to do: walking one costs what is open, not history.
WORK_INDEXES = (
    "appointments_untold",
    "messages_open",
    "messages_awaiting_delivery",
    "ledger_top_ups",  # purchases and allowance changes: a few a month, not the charges
)
MIGRATION_SQL = {st for _, script in MIGRATIONS for st in _statements(script)}

# Statements the scenario must have run, so that a change of scenario cannot
# quietly stop checking the queries this test exists for.
MUST_SEE = {
    "quota reserve": "sum(parts), 0) FROM messages",
    "orphans": "SELECT id FROM messages WHERE",
    "claim": "INSERT INTO messages",
    "delivery summary": "coalesce(delivery, 'no report')",
    "refund": "FROM ledger WHERE message = ?",
    "change detection": "CREATE TEMP TABLE diff",
    "--full missing": "NOT EXISTS (SELECT 1 FROM incoming",
    "attention": "'expired'",
    "day plan": "send_at >= ? AND send_at < ?",
    "run's triage": "phone_class, start, booked_at FROM appointments WHERE",
    "visits a run plans": "FROM appointments WHERE id IN (",
}


class Recorder:
    """Every statement run on a recording connection, with its query plan."""

    def __init__(self) -> None:
        self.plans: dict[str, list[str]] = {}

    def explain(self, conn: sqlite3.Connection, sql: str, params: Any) -> None:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head not in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "CREATE") or sql in self.plans:
            return
        if sql.strip() in MIGRATION_SQL:
            return  # runs once per database, not per run
        try:
            rows = sqlite3.Connection.execute(conn, "EXPLAIN QUERY PLAN " + sql, params).fetchall()
        except sqlite3.Error:
            return  # e.g. CREATE INDEX: nothing to plan
        self.plans[sql] = [row[3] for row in rows]


RECORDER = Recorder()


class RecordingConnection(sqlite3.Connection):
    def execute(self, sql: str, params: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        RECORDER.explain(self, sql, params)
        return super().execute(sql, params)

    def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:  # type: ignore[override]
        rows = list(seq)
        if rows:
            RECORDER.explain(self, sql, rows[0])
        return super().executemany(sql, rows)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    connect = sqlite3.connect

    def recording(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return connect(*args, factory=RecordingConnection, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", recording)
    RECORDER.plans.clear()
    yield RECORDER


def scans(sql: str, plan: list[str]) -> list[str]:
    """Plan lines that walk a whole big table (by name or by its alias)."""
    names = {t: t for t in BIG}
    for table, alias in re.findall(rf"\b({'|'.join(BIG)})\s+(?:AS\s+)?(\w+)", sql, re.I):
        if alias.upper() not in ("WHERE", "ON", "JOIN", "SET", "GROUP", "ORDER", "LIMIT", "VALUES"):
            names[alias] = table.lower()
    bad = []
    for line in plan:
        m = re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", line)
        if m and m.group(1) in names and m.group(2) not in WORK_INDEXES:
            bad.append(line)
    return bad


FAKES = {"smsapi": FakeSmsapi, "smsbrana": FakeSmsbrana}
KEYS = {
    "smsapi": 'provider = "smsapi"\ntoken = "test-token"\n',
    "smsbrana": 'provider = "smsbrana"\nlogin = "gabinet"\npassword = "secret"\n',
}
HEAD = "id,start,phone,patient,practice,booked_at\n"


def calendar(n: int, moved: int = 0) -> str:
    """Visits over two weeks at two practices; a few landlines and bad numbers among them."""
    rows = []
    for i in range(n):
        day, slot = 23 + i % 14, 8 * 60 + (i * 7 + moved * (i % 5 == 0)) % 600
        phone = "221234567" if i % 17 == 0 else "12" if i % 29 == 0 else f"+4860{i:07d}"
        when = f"2026-{11 + day // 31:02d}-{(day - 1) % 30 + 1:02d} {slot // 60:02d}:{slot % 60:02d}"
        rows.append(f"{i},{when},{phone},P{i},Gabinet {'AB'[i % 2]},2026-11-01 09:{i % 60:02d}:{i % 59:02d}")
    return HEAD + "\n".join(rows) + "\n"


def run(app: Cli, now: str) -> None:
    cfg = config.load(app.folder / "smsremind.toml")
    store, gateway = Store(cfg.database), gateways.make(cfg)
    try:
        runner.run(store, cfg, gateway, parse_now(now, cfg.timezone), sleep=lambda _s: None)
    finally:
        gateway.close()
        store.close()


def busy_day(app: Cli, fake: Any) -> None:
    app("import", str(csv_file(app.folder, calendar(400))), now="2026-11-20 10:00")
    run(app, "2026-11-30 12:00")
    assert fake.accepted
    for item in fake.accepted[:5]:
        fake.set_delivery(item["id"], "DELIVERED" if isinstance(fake, FakeSmsapi) else "delivered")
    cfg = config.load(app.folder / "smsremind.toml")
    store = Store(cfg.database)
    with store.tx() as conn:  # a killed run left one message claimed but unanswered
        conn.execute("UPDATE messages SET state = 'sending' WHERE id = (SELECT max(id) FROM messages)")
    store.close()
    run(app, "2026-11-30 13:00")
    changed = calendar(380, moved=1)  # 20 missing, every fifth moved
    app("import", "--full", str(csv_file(app.folder, changed, "changed.csv")), now="2026-11-30 13:30")
    run(app, "2026-11-30 14:00")
    store = Store(cfg.database)
    with store.tx() as conn:
        first = conn.execute("SELECT min(message) FROM ledger WHERE message IS NOT NULL").fetchone()[0]
        quota.refund(conn, parse_now("2026-11-30 14:10", cfg.timezone), first, "test")
    store.close()
    app("status", now="2026-11-30 14:15")
    app("status", "--json", now="2026-11-30 14:15")
    app("preview", "--date", "2026-12-01", now="2026-11-30 14:15")


@pytest.mark.parametrize("name", list(FAKES))
def test_hot_path_queries_search_an_index(name: str, make_app: Any, recorder: Recorder) -> None:
    with FAKES[name]() as fake:
        common = f'base_url = "{fake.url}"\nsender = "Gabinet"\ntimeout = 2\nworkers = 2\nrate = 1000\n'
        app = make_app("[quota]\nalerts = []\n[gateway]\n" + KEYS[name] + common)
        busy_day(app, fake)
    seen = "\n".join(recorder.plans)
    missing = [what for what, fragment in MUST_SEE.items() if fragment not in seen]
    assert not missing, f"the scenario no longer runs: {missing}"
    # Late bookings: a range of the start index (which holds booked_at), not the whole table.
    [late] = [plan for sql, plan in recorder.plans.items() if "booked_at > ? AND booked_at <= ?" in sql]
    assert "SEARCH appointments USING INDEX appointments_by_start (start>? AND start<?)" in late
    # A run reads a few columns of the days' visits by start, then the loud ones by id.
    triage = [" ".join(plan) for sql, plan in recorder.plans.items() if MUST_SEE["run's triage"] in sql]
    assert triage and all("appointments_by_start" in plan for plan in triage)
    by_id = [" ".join(plan) for sql, plan in recorder.plans.items() if MUST_SEE["visits a run plans"] in sql]
    assert by_id and all("INTEGER PRIMARY KEY" in plan for plan in by_id)
    # Reports asked for one by one (SMSAPI), or taken in a batch (SMSbrána).
    assert ("WHERE gateway_id = ?" if name == "smsbrana" else "delivery_final = 0") in seen
    bad = {
        sql: lines
        for sql, plan in recorder.plans.items()
        if (lines := scans(sql, plan)) and not any(fragment in sql for fragment in ALLOWED)
    }
    assert not bad, "\n\n".join(f"{sql}\n  -> {lines}" for sql, lines in bad.items())


def test_the_check_finds_a_scan(tmp_path: Any) -> None:
    """The checker itself: an unindexed filter on each big table is caught, aliases included."""
    store = Store(tmp_path / "x.db", create=True)
    sql = "SELECT m.id FROM messages m JOIN ledger l ON l.message = m.id WHERE m.reason = ?"
    plan = [r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql, ("x",))]
    assert scans(sql, plan) == ["SCAN m"]
    plan = [r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN SELECT * FROM ledger WHERE note = 'x'")]
    assert scans("SELECT * FROM ledger WHERE note = 'x'", plan) == ["SCAN ledger"]
    store.close()
