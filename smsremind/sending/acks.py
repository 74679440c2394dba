"""`[replies] acknowledge`: one short SMS back for a confirmation or a cancel request.

Never for unrecognised text or STOP (a person, or nobody, answers those),
never twice for one answer: the answer's ``ack`` column is set in the same
transaction that commits the acknowledgement as ``sending``, so a second
run (or a second process) finds it taken.  From there it is a message like
any other: charged to the quota when the gateway accepts it, resolved by
the next run's recovery if this one is killed, held back while the quota is
short, and sent only inside the sending window.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from smsremind.clock import to_store
from smsremind.config import Config
from smsremind.money import quota
from smsremind.replies.words import CANCEL, CONFIRM
from smsremind.rules.messages import in_window, load_stored
from smsremind.sending.journal import new_key
from smsremind.sending.outbound import Outbound
from smsremind.storage.store import Store
from smsremind.texts import sms_text

KIND = "acknowledgement"
FRESH = timedelta(hours=24)  # older answers get no acknowledgement: it would confuse more than help

TEXTS = {
    ("pl", CONFIRM): "{practice}: dziękujemy, wizyta potwierdzona.",
    ("pl", CANCEL): "{practice}: dziękujemy, przekazaliśmy prośbę o odwołanie wizyty.",
    ("cs", CONFIRM): "{practice}: děkujeme, návštěva je potvrzena.",
    ("cs", CANCEL): "{practice}: děkujeme, žádost o zrušení návštěvy jsme předali.",
    ("en", CONFIRM): "{practice}: thank you, your appointment is confirmed.",
    ("en", CANCEL): "{practice}: thank you, we have passed on your request to cancel.",
}


def send(store: Store, cfg: Config, out: Outbound, now: datetime) -> None:
    """Claim and hand over an acknowledgement for each fresh, unanswered confirm / cancel."""
    if not in_window(now, cfg.reminders.window):
        return
    rows = store.conn.execute(
        "SELECT r.id, r.meaning, r.phone, r.practice, m.sender, "
        "(SELECT a.language FROM reply_appointments ra JOIN appointments a ON a.id = ra.appointment "
        " WHERE ra.reply = r.id AND a.language IS NOT NULL LIMIT 1) FROM replies r "
        "JOIN messages m ON m.id = r.message "
        "WHERE r.ack IS NULL AND r.meaning IN (?, ?) AND r.received_at >= ? ORDER BY r.received_at, r.id",
        (CONFIRM, CANCEL, to_store(now - FRESH)),
    ).fetchall()
    for reply_id, meaning, phone, practice, sender, language in rows:
        text = TEXTS[(language or cfg.language, meaning)].format(practice=practice)
        if cfg.transliterate:
            text = sms_text.transliterate(text)
        message_id = _claim(store, cfg, now, reply_id, phone, practice, sender, text)
        if message_id is not None:
            [p] = load_stored(store, cfg.timezone, "id = ?", (message_id,))
            out.send_claimed(p)


def _claim(
    store: Store,
    cfg: Config,
    now: datetime,
    reply_id: int,
    phone: str,
    practice: str,
    sender: str,
    text: str,
) -> int | None:
    length = sms_text.measure(text)
    with store.tx() as conn:
        if not quota.can_send(conn, cfg, now, length.parts):
            return None  # the next run tries again while the answer is fresh
        key = new_key()
        if not conn.execute(
            "UPDATE replies SET ack = ? WHERE id = ? AND ack IS NULL", (key, reply_id)
        ).rowcount:
            return None
        return _insert(conn, now, key, phone, practice, sender, text, length)


def _insert(
    conn: sqlite3.Connection,
    now: datetime,
    key: str,
    phone: str,
    practice: str,
    sender: str,
    text: str,
    length: sms_text.Length,
) -> int:
    stamp = to_store(now)
    cur = conn.execute(
        "INSERT INTO messages (key, kind, practice, phone, recipient, sender, text, parts, encoding, "
        "send_at, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sending', ?, ?)",
        (key, KIND, practice, phone, phone, sender, text, length.parts, length.encoding, stamp, stamp, stamp),
    )
    return int(cur.lastrowid or 0)
