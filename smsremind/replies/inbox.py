"""Incoming answers: store each once, find the message it answers, act on STOP.

A gateway hands over :class:`Incoming` items, as often as it likes: the same
SMS fetched twice (or by a run killed after the fetch and the next one) has
the same ``dedup`` key and the unique index stores it once.  The whole
batch is one transaction, so a kill leaves either all of it or none of it,
and the gateway still holds what we did not commit (we never ask a gateway
to forget what is not stored yet).

Matching: an answer belongs to the latest message that asked for one (a
reminder or a notice about a visit still on) sent to that number within
``[replies] window_days`` before it arrived; where the gateway says which
of our numbers it came to (``to``) only that sender's messages count, and
where it names the message itself (SerwerSMS ECO ``message_id``) that
message wins.  A grouped reminder's answer covers all its appointments.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from smsremind.clock import to_store
from smsremind.config import Config
from smsremind.intake.phones import classify
from smsremind.replies.words import STOP, Vocabulary
from smsremind.storage.store import Store

ASKING = ("reminder", "confirmation", "reschedule")  # messages a patient may answer
REPLY = "reply"  # optouts.source of a STOP answer


@dataclass(frozen=True)
class Incoming:
    """One SMS a patient sent us, as the gateway reports it."""

    phone: str  # the sender, as the gateway gives it
    text: str
    received_at: datetime  # aware
    gateway_id: str | None = None  # the gateway's id of this incoming SMS, when it has one
    to: str | None = None  # which of our numbers it was sent to, when known
    answers: str | None = None  # gateway id of the message it answers, when the gateway links them

    def dedup(self, gateway: str) -> str:
        if self.gateway_id:
            return f"{gateway}:{self.gateway_id}"
        moment = to_store(self.received_at)
        digest = hashlib.sha256(f"{self.phone}\n{moment}\n{self.text}".encode()).hexdigest()[:32]
        return f"{gateway}:{digest}"


def e164(raw: str, cfg: Config) -> str:
    """The number in E.164 where it is one (the gateway may give 48601… or +48601…)."""
    digits = raw.strip()
    if digits.isdigit() and len(digits) > 9:
        digits = "+" + digits
    return classify(digits, cfg.country).e164 or raw.strip()


def take(store: Store, cfg: Config, now: datetime, gateway: str, batch: list[Incoming]) -> list[int]:
    """Store the answers not seen before (one transaction); returns the new replies' ids."""
    vocab = Vocabulary.build(cfg.replies)
    new: list[int] = []
    with store.tx() as conn:
        for item in batch:
            reply_id = _insert(conn, cfg, now, gateway, item, vocab)
            if reply_id is not None:
                new.append(reply_id)
    return new


def _insert(
    conn: sqlite3.Connection, cfg: Config, now: datetime, gateway: str, item: Incoming, vocab: Vocabulary
) -> int | None:
    phone = e164(item.phone, cfg)
    meaning = vocab.meaning(item.text)
    cur = conn.execute(
        "INSERT INTO replies (gateway, dedup, phone, text, received_at, fetched_at, meaning) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup) DO NOTHING",
        (gateway, item.dedup(gateway), phone, item.text, to_store(item.received_at), to_store(now), meaning),
    )
    if not cur.rowcount:
        return None
    reply_id = int(cur.lastrowid or 0)
    message = _answered(conn, cfg, phone, item)
    if message is not None:
        message_id, practice = message
        conn.execute(
            "UPDATE replies SET message = ?, practice = ? WHERE id = ?", (message_id, practice, reply_id)
        )
        conn.execute(
            "INSERT INTO reply_appointments (reply, appointment) "
            "SELECT ?, appointment FROM message_appointments WHERE message = ?",
            (reply_id, message_id),
        )
    if meaning == STOP:
        conn.execute(
            "INSERT INTO optouts (phone, added_at, note, source) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (phone) DO NOTHING",
            (phone, to_store(now), f"answered {item.text.strip()[:40]!r}", REPLY),
        )
    return reply_id


def add_optouts(store: Store, cfg: Config, now: datetime, numbers: list[str], source: str) -> int:
    """Numbers the gateway itself blocks join our opt-out list (an existing entry stays as it is)."""
    added = 0
    with store.tx() as conn:
        for raw in numbers:
            phone = e164(raw, cfg)
            if phone.startswith("+"):
                added += conn.execute(
                    "INSERT INTO optouts (phone, added_at, note, source) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (phone) DO NOTHING",
                    (phone, to_store(now), "on the gateway's blacklist", source),
                ).rowcount
    return added


def _answered(conn: sqlite3.Connection, cfg: Config, phone: str, item: Incoming) -> tuple[int, str] | None:
    """The message this answer belongs to, with its practice; None when nothing fits."""
    kinds = ",".join(f"'{k}'" for k in ASKING)
    if item.answers:
        row = conn.execute(
            f"SELECT id, practice FROM messages WHERE gateway_id = ? AND kind IN ({kinds})", (item.answers,)
        ).fetchone()
        if row:
            return int(row[0]), str(row[1])
    since = to_store(item.received_at - timedelta(days=cfg.replies.window_days))
    rows = conn.execute(
        f"SELECT id, practice, sender FROM messages WHERE recipient = ? AND state = 'sent' "
        f"AND kind IN ({kinds}) AND sent_at >= ? AND sent_at <= ? ORDER BY sent_at DESC, id DESC",
        (phone, since, to_store(item.received_at)),
    ).fetchall()
    for message_id, practice, sender in rows:
        if item.to and not _same_number(sender, item.to, cfg):
            continue
        return int(message_id), str(practice)
    return None


def _same_number(sender: str, to: str, cfg: Config) -> bool:
    return e164(sender, cfg) == e164(to, cfg)
