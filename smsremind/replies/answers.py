"""What the stored answers say: per reply, per appointment, and as the practice's CSV.

An appointment's answer is its latest confirm or cancel (a patient may
change their mind: "TAK" in the morning, "NIE" at noon means cancel
requested); STOP and unrecognised text leave it at "no answer", which is
what the practice sees until a person has read them.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from smsremind.clock import day_start, fmt_local, from_store, to_store
from smsremind.config import Config
from smsremind.replies.words import CANCEL, CONFIRM
from smsremind.storage.files import create_private
from smsremind.storage.store import Store

CONFIRMED, CANCEL_REQUESTED, NO_ANSWER = "confirmed", "cancel requested", "no answer"
_STATE = {CONFIRM: CONFIRMED, CANCEL: CANCEL_REQUESTED}
CSV_HEADER = ("appointment_id", "practice", "answer", "received_at", "phone")


def listing(
    store: Store, cfg: Config, day: date | None = None, where: str = "", args: Iterable[Any] = ()
) -> list[dict[str, Any]]:
    """Replies (oldest first) as the `replies --json` objects, plus ``id``/``mailed`` for our own use."""
    cond, params = [where] if where else [], list(args)
    if day is not None:
        cond.append("r.received_at >= ? AND r.received_at < ?")
        params += [
            to_store(day_start(day, cfg.timezone)),
            to_store(day_start(day + timedelta(days=1), cfg.timezone)),
        ]
    rows = store.query(
        "SELECT r.*, group_concat(a.ext_id, char(31)) AS ext_ids, min(a.start) AS first_start "
        "FROM replies r LEFT JOIN reply_appointments ra ON ra.reply = r.id "
        "LEFT JOIN appointments a ON a.id = ra.appointment "
        f"{'WHERE ' + ' AND '.join(cond) if cond else ''} GROUP BY r.id ORDER BY r.received_at, r.id",
        params,
    )
    return [_reply(r, cfg) for r in rows]


def _reply(row: dict[str, Any], cfg: Config) -> dict[str, Any]:
    ids = sorted(row["ext_ids"].split("\x1f")) if row["ext_ids"] else []
    return {
        "from": row["phone"],
        "text": row["text"],
        "received_at": from_store(row["received_at"], cfg.timezone).isoformat(timespec="seconds"),
        "meaning": row["meaning"],
        "appointments": ids,
        "practice": row["practice"],
        "id": row["id"],
        "first_start": from_store(row["first_start"], cfg.timezone) if row["first_start"] else None,
    }


def public(reply: dict[str, Any]) -> dict[str, Any]:
    """The `replies --json` object: our bookkeeping keys left out."""
    return {k: reply[k] for k in ("from", "text", "received_at", "meaning", "appointments", "practice")}


def states(store: Store, appointment_ids: Iterable[int]) -> dict[int, str]:
    """Appointment row id -> confirmed / cancel requested / no answer."""
    ids = list(appointment_ids)
    found = {i: NO_ANSWER for i in ids}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = store.conn.execute(
            "SELECT ra.appointment, r.meaning FROM reply_appointments ra JOIN replies r ON r.id = ra.reply "
            f"WHERE ra.appointment IN ({','.join('?' * len(chunk))}) AND r.meaning IN (?, ?) "
            "ORDER BY r.received_at, r.id",
            [*chunk, CONFIRM, CANCEL],
        ).fetchall()
        for appointment, meaning in rows:  # oldest first: the latest answer stays
            found[appointment] = _STATE[meaning]
    return found


def of_appointment(store: Store, practice: str, ext_id: str) -> str:
    row = store.conn.execute(
        "SELECT id FROM appointments WHERE practice = ? AND ext_id = ?", (practice, ext_id)
    ).fetchone()
    return states(store, [row[0]])[row[0]] if row else NO_ANSWER


def for_visits(store: Store, visit_ids: Iterable[int]) -> dict[str, str]:
    """The practice's appointment id -> answer, for the visits of one message."""
    ids = list(visit_ids)
    if not ids:
        return {}
    rows = store.conn.execute(
        f"SELECT id, ext_id FROM appointments WHERE id IN ({','.join('?' * len(ids))})", ids
    ).fetchall()
    by_id = states(store, [r[0] for r in rows])
    return {str(ext): by_id[rid] for rid, ext in rows}


def upcoming(store: Store, cfg: Config, now: datetime, days: int = 2) -> list[dict[str, Any]]:
    """Visits from now to the end of tomorrow whose reminder went out, with their answers."""
    end = day_start(now.date() + timedelta(days=days), cfg.timezone)
    rows = store.query(
        "SELECT DISTINCT a.id, a.ext_id, a.practice, a.start FROM appointments a "
        "JOIN message_appointments ma ON ma.appointment = a.id JOIN messages m ON m.id = ma.message "
        "WHERE a.status = 'scheduled' AND a.start >= ? AND a.start < ? AND m.state = 'sent' "
        "AND ma.kind = 'reminder' ORDER BY a.start, a.practice, a.ext_id",
        (to_store(now), to_store(end)),
    )
    found = states(store, [r["id"] for r in rows])
    return [
        {
            "appointment": r["ext_id"],
            "practice": r["practice"],
            "start": fmt_local(from_store(r["start"], cfg.timezone)),
            "answer": found[r["id"]],
        }
        for r in rows
    ]


def export(store: Store, cfg: Config) -> Path:
    """Rewrite ``[replies] export``: one row per appointment answered, its latest answer.

    Written to a temporary file and renamed, so the practice system never
    reads half a file.
    """
    rows = store.query(
        "SELECT a.ext_id, a.practice, r.meaning, r.received_at, r.phone FROM reply_appointments ra "
        "JOIN replies r ON r.id = ra.reply JOIN appointments a ON a.id = ra.appointment "
        "WHERE r.meaning IN (?, ?) ORDER BY r.received_at, r.id",
        (CONFIRM, CANCEL),
    )
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        latest[(r["practice"], r["ext_id"])] = r
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in sorted(latest.values(), key=lambda r: (r["received_at"], r["practice"], r["ext_id"])):
        when = from_store(r["received_at"], cfg.timezone).isoformat(timespec="seconds")
        writer.writerow((r["ext_id"], r["practice"], _STATE[r["meaning"]], when, r["phone"]))
    path = cfg.replies.export
    tmp = path.with_name(path.name + ".tmp")
    create_private(tmp)
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, path)
    return path


def describe(reply: dict[str, Any], now: datetime) -> str:
    """One line for people: when, who, what, which visits."""
    visits = ", ".join(reply["appointments"]) or "no reminder in the window"
    first = reply["first_start"]
    about = f" (visit {fmt_local(first)})" if first else ""
    return (
        f"{reply['received_at']}  {reply['from']}  {reply['meaning']}: {reply['text']!r} -> {visits}{about}"
    )
