"""The prepaid SMS quota, derived from an append-only ledger (SPEC §7).

Two pools: ``monthly`` (an allowance per calendar month in the config's zone;
what is left does not carry over) and ``bought`` (packs; they carry over until
used).  A charge takes the monthly pool first, then bought parts.  Nothing
is ever updated in the ledger: the balance is a sum of rows, so it can be
audited and recomputed.

Concurrency: every function that writes runs inside the caller's IMMEDIATE
transaction, so reading the balance and writing the charge cannot be raced
by another process; :func:`available` subtracts parts of messages claimed
but not yet answered (``sending``), so a message is held rather than sent
when the parts it needs are not there.  The balance cannot go negative.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from smsremind.clock import to_store
from smsremind.config import Config
from smsremind.storage.store import OPEN_MESSAGES, Store


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def next_reset(moment: datetime) -> date:
    return moment.date().replace(day=1) + relativedelta(months=1)


@dataclass(frozen=True)
class Balance:
    month: str
    allowance: int
    monthly_left: int
    bought_left: int
    used_this_month: int
    reserved: int  # parts of messages being sent right now
    resets_on: date

    @property
    def total(self) -> int:
        return self.monthly_left + self.bought_left

    @property
    def available(self) -> int:
        return self.total - self.reserved

    def as_json(self) -> dict[str, Any]:
        """The `quota --json` document of SPEC §7."""
        return {
            "monthly_allowance": self.allowance,
            "monthly_left": self.monthly_left,
            "bought_left": self.bought_left,
            "total": self.total,
            "used_this_month": self.used_this_month,
            "resets_on": self.resets_on.isoformat(),
        }


def _add(
    conn: sqlite3.Connection,
    now: datetime,
    kind: str,
    pool: str,
    parts: int,
    *,
    message: int | None = None,
    payment: int | None = None,
    note: str = "",
) -> None:
    conn.execute(
        "INSERT INTO ledger (at, month, kind, pool, parts, message, payment, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (to_store(now), month_of(now), kind, pool, parts, message, payment, note),
    )


def _totals(conn: sqlite3.Connection, month: str) -> dict[tuple[str, str], int]:
    """The month's sums per (pool, kind), from the trigger-kept ``ledger_totals``."""
    rows = conn.execute("SELECT pool, kind, parts FROM ledger_totals WHERE month = ?", (month,))
    return {(pool, kind): parts for pool, kind, parts in rows}


def ensure_month(conn: sqlite3.Connection, cfg: Config, now: datetime) -> None:
    """The month's allowance exists; a changed config allowance applies at once (an adjust row)."""
    month = month_of(now)
    totals = _totals(conn, month)
    if ("monthly", "allowance") not in totals:
        _add(conn, now, "allowance", "monthly", cfg.quota.monthly, note=f"allowance for {month}")
        return
    granted = totals[("monthly", "allowance")] + totals.get(("monthly", "adjust"), 0)
    if granted != cfg.quota.monthly:
        _add(
            conn,
            now,
            "adjust",
            "monthly",
            cfg.quota.monthly - granted,
            note=f"monthly allowance changed to {cfg.quota.monthly}",
        )


def balance(conn: sqlite3.Connection, cfg: Config, now: datetime) -> Balance:
    """Read-only: the month's allowance row may not exist yet, then the config value counts."""
    month = month_of(now)
    totals = _totals(conn, month)
    granted = (
        totals[("monthly", "allowance")] + totals.get(("monthly", "adjust"), 0)
        if ("monthly", "allowance") in totals
        else cfg.quota.monthly
    )
    # charges < 0, refunds > 0
    spent = totals.get(("monthly", "charge"), 0) + totals.get(("monthly", "refund"), 0)
    used = -sum(parts for (_, kind), parts in totals.items() if kind in ("charge", "refund"))
    bought = conn.execute(
        "SELECT coalesce(sum(parts), 0) FROM ledger_totals WHERE pool = 'bought'"
    ).fetchone()[0]
    reserved = conn.execute(
        f"SELECT coalesce(sum(parts), 0) FROM messages WHERE {OPEN_MESSAGES} AND state = 'sending'"
    ).fetchone()[0]
    return Balance(month, granted, max(granted + spent, 0), bought, used, reserved, next_reset(now))


def charge(conn: sqlite3.Connection, cfg: Config, now: datetime, message: int, parts: int) -> int:
    """Charge an accepted message: monthly pool first, then bought; never below zero.

    Returns the parts actually charged (less than ``parts`` only if a gateway
    counted more parts than were reserved and the balance ran out).
    """
    ensure_month(conn, cfg, now)
    b = balance(conn, cfg, now)
    from_monthly = min(parts, b.monthly_left)
    from_bought = min(parts - from_monthly, b.bought_left)
    if from_monthly:
        _add(conn, now, "charge", "monthly", -from_monthly, message=message)
    if from_bought:
        _add(conn, now, "charge", "bought", -from_bought, message=message)
    return from_monthly + from_bought


def refund(conn: sqlite3.Connection, now: datetime, message: int, note: str) -> int:
    """Give back what a message was charged (each pool its own part); returns the parts."""
    rows = conn.execute(
        "SELECT pool, -sum(parts) FROM ledger WHERE message = ? AND kind IN ('charge', 'refund') "
        "GROUP BY pool",
        (message,),
    ).fetchall()
    total = 0
    for pool, owed in rows:
        if owed > 0:
            _add(conn, now, "refund", pool, owed, message=message, note=note)
            total += owed
    return total


def credit_purchase(conn: sqlite3.Connection, now: datetime, payment: int, parts: int, note: str) -> None:
    """Credit a paid pack; the unique index makes a second credit of one payment fail."""
    _add(conn, now, "purchase", "bought", parts, payment=payment, note=note)


def can_send(conn: sqlite3.Connection, cfg: Config, now: datetime, parts: int) -> bool:
    """Inside a claim's transaction: are ``parts`` left after what is being sent?"""
    ensure_month(conn, cfg, now)
    return balance(conn, cfg, now).available >= parts


def current(store: Store, cfg: Config, now: datetime) -> Balance:
    return balance(store.conn, cfg, now)


def history(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM ledger ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
    return store.query(sql)
