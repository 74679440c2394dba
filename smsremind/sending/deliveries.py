"""Delivery reports (SPEC §4): recorded when the gateway offers them, never a reason to resend.

Each run asks about messages sent in the last two days whose report is not
final yet, each at most hourly (``delivery_at`` is when we last asked) and
a bounded number per run, or, for a gateway that hands reports over in
batches, takes the batch and stores all of it.  A report saying the
gateway never sent the message at all (Twilio "failed") refunds its parts:
the charge turned out not to be owed.  Undelivered messages stay ``sent``:
the operator retries on its own, and a patient must not get two reminders.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from smsremind.clock import to_store
from smsremind.money import quota
from smsremind.sending.gateways.base import Delivery, Gateway
from smsremind.storage.store import Store

log = logging.getLogger(__name__)
WINDOW = timedelta(days=2)  # reports are asked for this long after sending
FIRST_ASK = timedelta(minutes=10)  # not before: a report takes a while to exist
EVERY = timedelta(hours=1)  # then at most this often per message (cron runs every few minutes)
PER_RUN = 200


def track(store: Store, gateway: Gateway, now: datetime) -> int:
    """Fetch reports for recent messages; returns how many reports were stored."""
    if not gateway.remote:
        return 0
    batch = gateway.delivery_reports()
    if batch is not None:
        return sum(_store_by_gateway_id(store, now, gid, report) for gid, report in batch.items())
    rows = store.conn.execute(
        "SELECT id, gateway_id FROM messages WHERE state = 'sent' AND delivery_final = 0 "
        "AND gateway_id IS NOT NULL AND sent_at >= ? AND sent_at <= ? "
        "AND (delivery_at IS NULL OR delivery_at <= ?) ORDER BY sent_at DESC LIMIT ?",
        (to_store(now - WINDOW), to_store(now - FIRST_ASK), to_store(now - EVERY), PER_RUN),
    ).fetchall()
    stored = 0
    for message_id, gateway_id in rows:
        report = gateway.delivery(gateway_id)
        with store.tx() as conn:
            if report is None:  # no answer: remember we asked, ask again later
                conn.execute("UPDATE messages SET delivery_at = ? WHERE id = ?", (to_store(now), message_id))
                continue
            _record(conn, now, message_id, report)
        stored += 1
    return stored


def _record(conn: sqlite3.Connection, now: datetime, message_id: int, report: Delivery) -> None:
    conn.execute(
        "UPDATE messages SET delivery = ?, delivery_at = ?, delivery_final = ? WHERE id = ?",
        (report.status, to_store(now), int(report.final), message_id),
    )
    if report.not_charged:
        quota.refund(conn, now, message_id, f"the gateway did not send it ({report.status})")


def _store_by_gateway_id(store: Store, now: datetime, gateway_id: str, report: Delivery) -> int:
    """Record a batch report on the message with that gateway id (if we still have it)."""
    with store.tx() as conn:
        sent = "SELECT id FROM messages WHERE gateway_id = ? AND state = 'sent'"
        row = conn.execute(sent, (gateway_id,)).fetchone()
        if row is None:
            return 0
        _record(conn, now, row[0], report)
    return 1


def summary(store: Store, now: datetime) -> dict[str, Any]:
    """Counts of the delivery reports of the last week, and the failed ones."""
    since = to_store(now - timedelta(days=7))
    counts = dict(
        store.conn.execute(
            "SELECT coalesce(delivery, 'no report'), count(*) FROM messages "
            "WHERE state = 'sent' AND sent_at >= ? GROUP BY 1",
            (since,),
        ).fetchall()
    )
    failed = [
        r[0]
        for r in store.conn.execute(
            "SELECT key FROM messages WHERE state = 'sent' AND sent_at >= ? AND delivery IN "
            "('undelivered', 'failed', 'expired', 'rejected', 'canceled', 'stop') ORDER BY sent_at DESC",
            (since,),
        )
    ]
    return {"counts": counts, "failed": failed}
