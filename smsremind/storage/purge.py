"""`smsremind purge --before DATE` (SPEC §9a): forget old personal data.

Appointments that started before DATE go, with their events and message
links; messages sent (or due) before DATE go too.  A message still linked to
a newer appointment stays.  Patients' answers received before DATE go too
(and links of newer ones to purged appointments).  The quota ledger keeps
its rows: it holds counts and money, not patients.
"""

from __future__ import annotations

from datetime import date

from smsremind.clock import day_start, to_store
from smsremind.config import Config
from smsremind.storage.store import Store


def purge(store: Store, cfg: Config, before: date) -> dict[str, int]:
    cutoff = to_store(day_start(before, cfg.timezone))
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
    store.conn.execute("VACUUM")
    return {"appointments": appointments, "messages": messages}
