"""`smsremind purge --before DATE`: forget old personal data, never what exactly-once needs.

Appointments that started before DATE go, with their events and message
links; messages sent (or due) before DATE go too.  A message still linked to
a newer appointment stays.  Patients' answers received before DATE go too
(and links of newer ones to purged appointments).  The quota ledger keeps
its rows: it holds counts and money, not patients.

DATE may be yesterday at the latest: a visit that has not begun keeps its
row and its messages, or the next import would see it as new and the next
run would remind the patient a second time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from smsremind.clock import day_start, to_store
from smsremind.config import Config
from smsremind.errors import InvalidInputError
from smsremind.i18n import _
from smsremind.storage.store import IMPORT_MEMO, Store


def latest_allowed(now: datetime) -> date:
    return now.date() - timedelta(days=1)


def purge(store: Store, cfg: Config, before: date, now: datetime) -> dict[str, int]:
    if before > latest_allowed(now):
        text = _(
            "--before {before}: at most {latest} (yesterday); visits not yet over and "
            "their messages are kept so that nobody is reminded twice; nothing deleted"
        )
        raise InvalidInputError(text.format(before=before, latest=latest_allowed(now)))
    # Both bounds, although the first implies the second: a visit that has not begun is never purged.
    cutoff = min(to_store(day_start(before, cfg.timezone)), to_store(now))
    with store.tx() as conn:
        old = "SELECT id FROM appointments WHERE start < ?"
        conn.execute(f"DELETE FROM events WHERE appointment IN ({old})", (cutoff,))
        conn.execute(f"DELETE FROM message_appointments WHERE appointment IN ({old})", (cutoff,))
        conn.execute(f"DELETE FROM reply_appointments WHERE appointment IN ({old})", (cutoff,))
        conn.execute("DELETE FROM replies WHERE received_at < ?", (cutoff,))  # cascades to its links
        appointments = conn.execute("DELETE FROM appointments WHERE start < ?", (cutoff,)).rowcount
        messages = conn.execute(
            "DELETE FROM messages WHERE send_at < ? AND state <> 'sending' AND NOT EXISTS "
            "(SELECT 1 FROM message_appointments ma WHERE ma.message = messages.id)",
            (cutoff,),
        ).rowcount
        # A source imported before would put the purged rows back: it must be read again.
        conn.execute("DELETE FROM meta WHERE key LIKE ?", (IMPORT_MEMO + "%",))
    store.conn.execute("VACUUM")
    return {"appointments": appointments, "messages": messages}
