"""Every write to the ``messages`` table: claims, outcomes, results (SPEC §4).

The exactly-once contract lives here:

* :func:`claim` commits a message as ``sending`` *before* the gateway is
  called.  For reminders the unique index on (appointment, start) makes a
  second claim of the same visit fail; for notices the claim compares and
  sets the appointment's "told" state in the same transaction.  Either way a
  message can be claimed once, whatever other process is running.
* :func:`record` stores skipped/held/expired outcomes, replacing an older
  outcome for the same visits and reporting whether anything changed, so a
  landline is reported once, not every five minutes.  A skipped or expired
  notice marks the appointment "settled" for its state and phone, not "told":
  the patient learnt nothing, so a later change is decided from what they know.
* :func:`finish` writes the gateway's answer.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime
from typing import Any

from smsremind.clock import to_store
from smsremind.config import Config
from smsremind.money import quota
from smsremind.rules import reasons
from smsremind.rules.messages import SOFT, Planned
from smsremind.rules.notices import snapshot
from smsremind.sending.gateways.base import Outcome, Result, Sms
from smsremind.storage.store import OPEN_MESSAGES, Store

GATEWAY_UNAVAILABLE = reasons.GATEWAY_UNAVAILABLE


def new_key() -> str:
    """A message id that is also the gateway idempotency key: 20 hex chars."""
    return secrets.token_hex(10)


def _soft_rows(conn: sqlite3.Connection, p: Planned) -> list[tuple[Any, ...]]:
    """Stored skipped/held/expired rows about the same visits (and starts, for reminders)."""
    if p.kind == "reminder":
        pairs = list(p.starts.items())
        cond = " OR ".join("(ma.appointment = ? AND ma.start = ?)" for _ in pairs)
        args: list[Any] = [x for pair in pairs for x in pair]
        kind = "ma.kind = 'reminder'"
    else:
        cond = " OR ".join("ma.appointment = ?" for _ in p.starts)
        args = list(p.starts)
        kind = "ma.kind <> 'reminder'"
    return conn.execute(
        f"SELECT DISTINCT m.id, m.state, m.reason, m.recipient, m.text FROM messages m "
        f"JOIN message_appointments ma ON ma.message = m.id WHERE {kind} AND ({cond}) "
        f"AND m.state IN ({','.join(repr(s) for s in SOFT)})",
        args,
    ).fetchall()


def _same_members(conn: sqlite3.Connection, message_id: int, p: Planned) -> bool:
    linked = conn.execute(
        "SELECT appointment, start FROM message_appointments WHERE message = ?", (message_id,)
    ).fetchall()
    return set(linked) == set(p.starts.items())


def _insert(conn: sqlite3.Connection, p: Planned, state: str, now: datetime, run: int | None) -> int:
    p.composed()
    stamp = to_store(now)
    cur = conn.execute(
        "INSERT INTO messages (key, kind, practice, phone, recipient, sender, text, parts, encoding, "
        "send_at, state, reason, created_at, updated_at, run) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            to_store(p.send_at),
            state,
            p.reason,
            stamp,
            stamp,
            run,
        ),
    )
    message_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO message_appointments (message, appointment, start, kind) VALUES (?, ?, ?, ?)",
        [(message_id, vid, start, p.kind) for vid, start in p.starts.items()],
    )
    p.message_id = message_id
    return message_id


def _tell(conn: sqlite3.Connection, p: Planned) -> bool:
    """Compare-and-set a notice's appointment to "told"; False if it changed meanwhile."""
    visit = p.visits[0]
    told_status, told_start, status, start = snapshot(visit)
    cur = conn.execute(
        "UPDATE appointments SET told_status = status, told_start = start WHERE id = ? "
        "AND told_status IS ? AND told_start IS ? AND status = ? AND start = ?",
        (visit.id, told_status, told_start, status, start),
    )
    return cur.rowcount == 1


_SETTLE = (
    "UPDATE appointments SET settled_status = status, settled_start = start, settled_phone = phone "
    "WHERE id = ? AND told_status IS ? AND told_start IS ? AND status = ? AND start = ? AND phone = ?"
)


def _settle(conn: sqlite3.Connection, visit: Any) -> bool:
    """Mark a change decided without telling the patient (``told`` stays what they know);
    False if the appointment changed meanwhile."""
    return conn.execute(_SETTLE, (visit.id, *snapshot(visit), visit.phone)).rowcount == 1


def close_quietly(store: Store, visits: list[Any]) -> None:
    """Changes that owe no notice: settled without a message."""
    with store.tx() as conn:
        for visit in visits:
            _settle(conn, visit)


def store_phone_classes(store: Store, learned: dict[int, tuple[str, str]]) -> None:
    """Keep the classes planning worked out; a number changed meanwhile by an import is not
    overwritten (its class is reset by a trigger and worked out again next time)."""
    if learned:
        with store.tx() as conn:
            conn.executemany(
                "UPDATE appointments SET phone_class = ? WHERE id = ? AND phone = ?",
                [(text, vid, phone) for vid, (phone, text) in learned.items()],
            )
        learned.clear()


def _recorded(conn: sqlite3.Connection, p: Planned, old: list[tuple[Any, ...]]) -> int | None:
    """Id of the stored row that already says exactly this outcome, if any."""
    if len(old) == 1 and old[0][1:4] == (p.status, p.reason, p.to) and _same_members(conn, old[0][0], p):
        return int(old[0][0])
    return None


def is_recorded(store: Store, p: Planned) -> bool:
    """Read-only: would :func:`record` find this outcome already stored? (dry runs)"""
    return _recorded(store.conn, p, _soft_rows(store.conn, p)) is not None


def record(store: Store, p: Planned, now: datetime, run: int | None) -> bool:
    """Store a skipped/held/expired outcome; True if it is new (not already recorded)."""
    try:
        with store.tx() as conn:
            if p.kind != "reminder" and p.status != "held" and not _settle(conn, p.visits[0]):
                return False
            old = _soft_rows(conn, p)
            same = _recorded(conn, p, old)
            if same is not None:
                p.message_id = same
                return False
            conn.executemany("DELETE FROM messages WHERE id = ?", [(row[0],) for row in old])
            _insert(conn, p, p.status, now, run)
            return True
    except sqlite3.IntegrityError:
        return False  # another run attempted these visits meanwhile


CLAIMED, TAKEN, NO_QUOTA = "claimed", "taken", "no-quota"


def claim(store: Store, cfg: Config, p: Planned, now: datetime, run: int | None) -> str:
    """Commit ``p`` as ``sending`` and return CLAIMED.

    TAKEN: another process claimed it, or the appointment changed since
    planning.  NO_QUOTA: the parts it needs are not left; nothing written.
    """
    try:
        with store.tx() as conn:
            if not quota.can_send(conn, cfg, now, p.composed().parts):
                return NO_QUOTA
            if p.kind != "reminder" and not _tell(conn, p):
                return TAKEN
            conn.executemany("DELETE FROM messages WHERE id = ?", [(row[0],) for row in _soft_rows(conn, p)])
            _insert(conn, p, "sending", now, run)
            return CLAIMED
    except sqlite3.IntegrityError:
        return TAKEN


def as_sms(store: Store, message_id: int) -> Sms:
    row = store.conn.execute(
        "SELECT key, recipient, sender, text, parts, kind FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    ext_ids = [
        r[0]
        for r in store.conn.execute(
            "SELECT a.ext_id FROM message_appointments ma JOIN appointments a ON a.id = ma.appointment "
            "WHERE ma.message = ? ORDER BY ma.start",
            (message_id,),
        )
    ]
    return Sms(row[0], row[1], row[2], row[3], row[4], row[5], ext_ids)


RESOLVE_LATER = reasons.RESOLVE_LATER


def finish(
    store: Store,
    cfg: Config,
    message_id: int,
    result: Result,
    now: datetime,
    attempts: int,
    idempotent: bool = False,
) -> str:
    """Write the gateway's answer, charging the quota for an accepted message; returns the state.

    An UNKNOWN answer on a gateway with an idempotency key leaves the message
    ``sending``: the next run resends it with the same key and learns the truth.
    """
    state: str
    reason: str | None
    if result.outcome is Outcome.UNKNOWN and idempotent:
        state, reason = "sending", f"{result.reason or reasons.NO_ANSWER}; {RESOLVE_LATER}"
    else:
        state, reason = {
            Outcome.ACCEPTED: ("sent", None),
            Outcome.REJECTED: ("failed", result.reason or reasons.REJECTED),
            Outcome.UNKNOWN: ("unknown", result.reason or reasons.OUTCOME_UNKNOWN),
            Outcome.TRANSIENT: ("held", GATEWAY_UNAVAILABLE),
        }[result.outcome]
    stamp = to_store(now)
    with store.tx() as conn:
        conn.execute(
            "UPDATE messages SET state = ?, reason = ?, gateway_id = coalesce(?, gateway_id), "
            "parts = coalesce(?, parts), sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, "
            "attempts = attempts + ?, updated_at = ? WHERE id = ?",
            (state, reason, result.gateway_id, result.parts, state, stamp, attempts, stamp, message_id),
        )
        if state == "sent":
            parts = conn.execute("SELECT parts FROM messages WHERE id = ?", (message_id,)).fetchone()[0]
            quota.charge(conn, cfg, now, message_id, parts)
    return state


def orphans(store: Store) -> list[int]:
    """Messages a dead run left in ``sending`` (call only while holding the run lock)."""
    sql = f"SELECT id FROM messages WHERE {OPEN_MESSAGES} AND state = 'sending' ORDER BY id"
    return [r[0] for r in store.conn.execute(sql)]
