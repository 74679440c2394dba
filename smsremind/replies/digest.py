"""The administrator's digest of answers a person must read: cancel requests and unrecognised text.

Each answer is mailed once.  A digest goes out at the first run inside the
sending window after the answer arrived, or at once, whatever the hour,
when an answer is about a visit today or tomorrow (the chair can still be
given to someone else).  Answers are claimed (``mailed_at``) in a
transaction before the mail goes out, so overlapping runs don't both mail
them; a mail that fails releases them for the next run.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from smsremind import mail
from smsremind.clock import to_store
from smsremind.config import Config
from smsremind.errors import MailError
from smsremind.i18n import N_
from smsremind.replies import answers
from smsremind.replies.words import CANCEL, UNRECOGNISED
from smsremind.rules.messages import in_window
from smsremind.storage.store import Store

log = logging.getLogger(__name__)

SUBJECT = {
    "pl": "smsremind: odpowiedzi pacjentów ({n}) – prośby o odwołanie i inne",
    "cs": "smsremind: odpovědi pacientů ({n}) – žádosti o zrušení a další",
    "en": "smsremind: patients' answers ({n}) - cancel requests and others",
}
HEAD = {
    "pl": ("Prośby o odwołanie wizyty:", "Odpowiedzi, których nie rozpoznano (prosimy przeczytać):"),
    "cs": ("Žádosti o zrušení návštěvy:", "Nerozpoznané odpovědi (přečtěte si je prosím):"),
    "en": ("Cancel requests:", "Answers not recognised (please read them):"),
}


def send(store: Store, cfg: Config, now: datetime) -> int:
    """Mail what is due now; returns how many answers the digest carried."""
    pending = answers.listing(
        store, cfg, where="r.mailed_at IS NULL AND r.meaning IN (?, ?)", args=(CANCEL, UNRECOGNISED)
    )
    if not pending or not (in_window(now, cfg.reminders.window) or any(_soon(r, now) for r in pending)):
        return 0
    ids = [r["id"] for r in pending]
    marks = ",".join("?" * len(ids))
    with store.tx() as conn:
        claimed = conn.execute(
            f"UPDATE replies SET mailed_at = ? WHERE mailed_at IS NULL AND id IN ({marks})",
            [to_store(now), *ids],
        ).rowcount
    if claimed != len(ids):  # another process took some of them: it mails those
        pending = [r for r in pending if _mine(store, r["id"], now)]
    try:
        mail.send(cfg, _build(cfg, pending, now))
    except MailError as exc:
        mine = [r["id"] for r in pending]
        with store.tx() as conn:
            conn.execute(
                f"UPDATE replies SET mailed_at = NULL WHERE id IN ({','.join('?' * len(mine))})", mine
            )
        log.warning(N_("answers digest not sent, the next run tries again: %s"), exc)
        return 0
    return len(pending)


def _soon(reply: dict[str, Any], now: datetime) -> bool:
    first = reply["first_start"]
    return first is not None and now.date() <= first.date() <= now.date() + timedelta(days=1)


def _mine(store: Store, reply_id: int, now: datetime) -> bool:
    return store.scalar("SELECT mailed_at FROM replies WHERE id = ?", (reply_id,)) == to_store(now)


def _build(cfg: Config, pending: list[dict[str, Any]], now: datetime) -> mail.Mail:
    lang = cfg.language
    cancel_head, other_head = HEAD[lang]
    lines: list[str] = []
    for head, meaning in ((cancel_head, CANCEL), (other_head, UNRECOGNISED)):
        chosen = [r for r in pending if r["meaning"] == meaning]
        if chosen:
            lines += [head, *("  " + answers.describe(r, now) for r in chosen), ""]
    lines.append(f"smsremind replies --date {now.date().isoformat()}")
    return mail.Mail(cfg.email.admin, SUBJECT[lang].format(n=len(pending)), "\n".join(lines))
