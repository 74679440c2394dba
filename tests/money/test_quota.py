"""The SMS quota (SPEC §7): ledger, holds at zero, alerts, forecast."""

from __future__ import annotations

import mailbox
import sqlite3
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsremind import config
from smsremind.clock import parse_now
from smsremind.money import quota
from smsremind.storage.store import Store
from tests.conftest import Cli, csv_file

HEAD = "id,start,phone,patient,practice\n"


def rows(n: int, day: str = "2026-12-01", first_id: int = 0) -> str:
    return "".join(
        f"{i},{day} {10 + (i % 32) // 4:02d}:{15 * (i % 4):02d},601234{i:03d},P{i},Gabinet\n"
        for i in range(first_id, first_id + n)
    )


def test_quota_json_has_exactly_the_spec_keys(app: Cli) -> None:
    doc = app.json("quota", now="2026-11-20 10:00")
    assert doc == {
        "monthly_allowance": 300,
        "monthly_left": 300,
        "bought_left": 0,
        "total": 300,
        "used_this_month": 0,
        "resets_on": "2026-12-01",
    }
    assert "Monthly" in app("quota", now="2026-11-20 10:00").stdout


def test_charges_take_the_monthly_pool_first_and_bought_parts_carry_over(tmp_path: Path) -> None:
    cfg = config.parse("[quota]\nmonthly = 3\n", tmp_path / "smsremind.toml")
    store = Store(cfg.database, create=True)
    nov, dec = parse_now("2026-11-20 10:00", cfg.timezone), parse_now("2026-12-02 10:00", cfg.timezone)
    with store.tx() as conn:
        quota.ensure_month(conn, cfg, nov)
        quota.credit_purchase(conn, nov, payment=1, parts=100, note="pack")
        assert quota.charge(conn, cfg, nov, message=1, parts=2) == 2
        assert quota.charge(conn, cfg, nov, message=2, parts=2) == 2  # 1 monthly + 1 bought
    b = quota.current(store, cfg, nov)
    assert (b.monthly_left, b.bought_left, b.used_this_month, b.total) == (0, 99, 4, 99)
    d = quota.current(store, cfg, dec)  # unused monthly parts do not carry over, bought ones do
    assert (d.monthly_left, d.bought_left, d.used_this_month, d.resets_on.isoformat()) == (
        3,
        99,
        0,
        "2027-01-01",
    )
    with store.tx() as conn:
        assert quota.refund(conn, dec, message=2, note="not delivered") == 2
    assert quota.current(store, cfg, nov).bought_left == 100


def test_changed_allowance_applies_to_the_running_month(tmp_path: Path) -> None:
    path = tmp_path / "smsremind.toml"
    cfg = config.parse("[quota]\nmonthly = 300\n", path)
    store = Store(cfg.database, create=True)
    now = parse_now("2026-11-20 10:00", cfg.timezone)
    with store.tx() as conn:
        quota.ensure_month(conn, cfg, now)
        quota.charge(conn, cfg, now, message=1, parts=10)
    bigger = config.parse("[quota]\nmonthly = 500\n", path)
    with store.tx() as conn:
        quota.ensure_month(conn, bigger, now)
    assert quota.current(store, bigger, now).monthly_left == 490
    assert [r["kind"] for r in quota.history(store)][:2] == ["adjust", "charge"]


def test_at_zero_messages_are_held_and_never_half_sent(make_app) -> None:
    app = make_app("[quota]\nmonthly = 3\nalerts = []\n")
    app("import", str(csv_file(app.folder, HEAD + rows(5))), now="2026-11-20 10:00")
    app("templates", "set", "reminder", "{practice} {time}")  # one part each
    doc = app.json("run", now="2026-11-30 19:00")
    assert (doc["sent"], doc["held"]) == (3, 2)
    assert {(m["status"], m["reason"]) for m in doc["messages"]} == {("sent", None), ("held", "quota")}
    assert app.json("quota", now="2026-11-30 19:00")["total"] == 0
    again = app.json("run", now="2026-11-30 19:05")  # still held, reported again, nothing sent
    assert (again["sent"], again["held"]) == (0, 2) and len(app.outbox()) == 3
    preview = app.json("preview", "--date", "2026-11-30", now="2026-11-30 19:06")
    assert sorted(m["status"] for m in preview) == ["held", "held", "sent", "sent", "sent"]


def test_two_part_message_with_one_part_left_is_held(make_app) -> None:
    app = make_app("[quota]\nmonthly = 1\nalerts = []\n")
    app("import", str(csv_file(app.folder, HEAD + rows(1))), now="2026-11-20 10:00")
    app(
        "templates",
        "set",
        "reminder",
        "{practice}: przypominamy o wizycie jutro o godz. {time}. Prosimy o punktualność!",
    )
    doc = app.json("run", now="2026-11-30 19:00")  # 71+ UCS-2 units: 2 parts
    assert (doc["sent"], doc["held"], doc["messages"][0]["parts"]) == (0, 1, 2)
    assert app.json("quota", now="2026-11-30 19:00")["monthly_left"] == 1


def test_alerts_over_smtp_once_per_crossing(make_app, smtp) -> None:
    app = make_app("[quota]\nmonthly = 6\nalerts = [4, 2, 0]\n" + smtp.config())
    app("templates", "set", "reminder", "{practice} {time}")
    app("import", str(csv_file(app.folder, HEAD + rows(8))), now="2026-11-20 10:00")
    app.json("run", now="2026-11-30 10:15")  # 2 sent -> 4 left
    app.json("run", now="2026-11-30 10:20")  # nothing new
    app.json("run", now="2026-11-30 11:15")  # 4 more -> 0 left, 2 held
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects == ["smsremind: zostało 4 SMS", "smsremind: limit SMS wyczerpany – wysyłka wstrzymana"]
    assert "smsremind quota buy 100" in smtp.messages[1].get_payload(decode=True).decode()
    assert all(m["To"] == "kierownik@gabinet.pl" for m in smtp.messages)
    app.json("run", now="2026-11-30 11:20")
    assert len(smtp.messages) == 2  # not again until a top-up or a new month re-arms them
    app.json("run", now="2026-12-01 09:00")  # new month: 6 parts back, re-armed
    assert len(smtp.messages) == 2


def test_alerts_go_to_the_maildir_without_smtp(make_app) -> None:
    app = make_app("[quota]\nmonthly = 1\nalerts = [0]\n")
    app("templates", "set", "reminder", "{practice} {time}")
    app("import", str(csv_file(app.folder, HEAD + rows(1))), now="2026-11-20 10:00")
    app.json("run", now="2026-11-30 10:00")
    box = mailbox.Maildir(app.folder / "mail", create=False)
    [msg] = list(box)
    assert (
        str(make_header(decode_header(msg["Subject"])))
        == "smsremind: limit SMS wyczerpany – wysyłka wstrzymana"
    )
    assert oct((app.folder / "mail").stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in (app.folder / "mail" / "new").iterdir())


def test_unreachable_smtp_does_not_stop_sending_and_the_alert_is_retried(make_app, smtp) -> None:
    cfg = smtp.config().replace(f"port = {smtp.port}", "port = 1")
    app = make_app("[quota]\nmonthly = 1\nalerts = [0]\n" + cfg)
    app("templates", "set", "reminder", "{practice} {time}")
    app("import", str(csv_file(app.folder, HEAD + rows(1))), now="2026-11-20 10:00")
    assert app.json("run", now="2026-11-30 10:00")["sent"] == 1
    app.folder.joinpath("smsremind.toml").write_text(
        "enabled = true\n[quota]\nmonthly = 1\nalerts = [0]\n" + smtp.config()
    )
    app.json("run", now="2026-11-30 10:05")
    assert [m["Subject"] for m in smtp.messages] == ["smsremind: limit SMS wyczerpany – wysyłka wstrzymana"]


def test_forecast_names_the_day_and_the_pack(make_app) -> None:
    app = make_app("[quota]\nmonthly = 10\n")
    app("templates", "set", "reminder", "{practice} {time}")
    app(
        "import",
        str(csv_file(app.folder, HEAD + rows(8, "2026-11-24") + rows(8, "2026-11-26", first_id=100))),
        now="2026-11-20 10:00",
    )
    doc = app.json("quota", "forecast", "--days", "10", now="2026-11-20 10:00")
    assert doc["total"] == 10 and doc["runs_out_on"] == "2026-11-25"
    assert doc["needed_this_month"] == 6 and doc["suggested_pack"] == 100
    assert "covers it" in app("quota", "forecast", now="2026-11-20 10:00").stdout


# --- property: the balance is always credits - charges, never negative, monthly first

op = st.one_of(
    st.tuples(st.just("send"), st.integers(1, 4)),
    st.tuples(st.just("buy"), st.sampled_from([100, 500, 1000])),
    st.tuples(st.just("refund"), st.integers(0, 30)),
    st.tuples(st.just("month"), st.just(0)),
)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 20), st.lists(op, max_size=40))
def test_balance_is_credits_minus_charges_and_never_negative(
    monthly: int, ops: list[tuple[str, int]]
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cfg = config.parse(f"[quota]\nmonthly = {monthly}\n", Path(tmp) / "smsremind.toml")
        store = Store(cfg.database, create=True)
        months = ["2026-11-20 10:00", "2026-12-20 10:00", "2027-01-20 10:00", "2027-02-20 10:00"]
        m, message, payment = 0, 0, 0
        for kind, value in ops:
            now = parse_now(months[m], cfg.timezone)
            with store.tx() as conn:
                before = quota.balance(conn, cfg, now)
                if kind == "send" and quota.can_send(conn, cfg, now, value):
                    message += 1
                    assert quota.charge(conn, cfg, now, message, value) == value
                    after = quota.balance(conn, cfg, now)
                    assert after.monthly_left == max(before.monthly_left - value, 0)  # monthly first
                elif kind == "buy":
                    payment += 1
                    quota.credit_purchase(conn, now, payment=payment, parts=value, note="")
                elif kind == "refund" and value <= message:
                    quota.refund(conn, now, value, note="")
                elif kind == "month":
                    m = min(m + 1, len(months) - 1)
            b = quota.current(store, cfg, parse_now(months[m], cfg.timezone))
            assert b.monthly_left >= 0 and b.bought_left >= 0
            credits, charges = store.conn.execute(
                "SELECT coalesce(sum(CASE WHEN parts > 0 THEN parts END), 0), "
                "coalesce(-sum(CASE WHEN parts < 0 THEN parts END), 0) FROM ledger WHERE pool = 'bought'"
            ).fetchone()
            assert b.bought_left == credits - charges
            assert (
                totals(store)
                == store.conn.execute(
                    "SELECT month, pool, kind, sum(parts) FROM ledger GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
                ).fetchall()
            )
        store.close()


def totals(store: Store) -> list[tuple[str, str, str, int]]:
    return store.conn.execute(
        "SELECT month, pool, kind, parts FROM ledger_totals ORDER BY 1, 2, 3"
    ).fetchall()


def test_ledger_totals_are_backfilled_and_the_ledger_stays_append_only(tmp_path: Path) -> None:
    cfg = config.parse("[quota]\nmonthly = 5\n", tmp_path / "smsremind.toml")
    store = Store(cfg.database, create=True)
    dec = parse_now("2026-12-02 10:00", cfg.timezone)
    with store.tx() as conn:  # a database as migration 004 left it: a ledger, no totals
        conn.execute("DROP TABLE ledger_totals")
        for name in ("ledger_totals_add", "ledger_no_update", "ledger_no_delete"):
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DELETE FROM _migrations WHERE name = '005_ledger_totals'")
        conn.executemany(
            "INSERT INTO ledger (at, month, kind, pool, parts, message, payment) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                ("2026-11-20T09:00:00Z", "2026-11", "allowance", "monthly", 5, None, None),
                ("2026-11-20T09:00:00Z", "2026-11", "purchase", "bought", 100, None, 1),
                ("2026-11-20T09:00:00Z", "2026-11", "charge", "monthly", -4, 1, None),
                ("2026-11-20T09:00:00Z", "2026-11", "charge", "monthly", -1, 2, None),
                ("2026-11-20T09:00:00Z", "2026-11", "charge", "bought", -2, 2, None),
                ("2026-12-02T09:00:00Z", "2026-12", "allowance", "monthly", 5, None, None),
                ("2026-12-02T09:00:00Z", "2026-12", "charge", "monthly", -2, 3, None),
            ],
        )
    store.close()
    store = Store(cfg.database)  # migrates
    assert totals(store) == [
        ("2026-11", "bought", "charge", -2),
        ("2026-11", "bought", "purchase", 100),
        ("2026-11", "monthly", "allowance", 5),
        ("2026-11", "monthly", "charge", -5),
        ("2026-12", "monthly", "allowance", 5),
        ("2026-12", "monthly", "charge", -2),
    ]
    b = quota.current(store, cfg, dec)
    assert (b.monthly_left, b.bought_left, b.used_this_month) == (3, 98, 2)
    for sql in ("UPDATE ledger SET parts = 1000", "DELETE FROM ledger"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.conn.execute(sql)
    assert quota.current(store, cfg, dec).bought_left == 98
    store.close()
