"""Low-balance e-mails to the administrator (SPEC §7, D-"Ustawienia SMS").

Each threshold of `[quota] alerts` fires once when the total balance falls to
it or below, and is re-armed when the balance rises above it again (a
top-up, a new month).  Several thresholds crossed at once give one mail, for
the lowest.  The decision is taken in a transaction, so overlapping runs do
not both mail; a mail that could not be delivered re-arms its thresholds so
the next run tries again.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from smsremind import mail
from smsremind.clock import day_start, to_store
from smsremind.config import Config
from smsremind.errors import MailError
from smsremind.i18n import N_
from smsremind.money import quota
from smsremind.rules.messages import QUOTA
from smsremind.storage.store import OPEN_MESSAGES, Store

log = logging.getLogger(__name__)
_KEY = "alerts.fired"

TEXTS = {
    "pl": (
        "smsremind: zostało {total} SMS",
        "Pozostało {total} SMS do wykorzystania ({monthly} z puli "
        "miesięcznej, {bought} dokupionych). Pula miesięczna odnowi się {resets}.",
        "smsremind: limit SMS wyczerpany – wysyłka wstrzymana",
        "Limit SMS został wyczerpany i wysyłka przypomnień została wstrzymana. Wiadomości czekają i zostaną "
        "wysłane po doładowaniu, jeśli nadal będą aktualne.\n\nAby dokupić pakiet, uruchom:\n"
        "    smsremind quota buy 100   (albo 500, 1000)\nPula miesięczna odnowi się {resets}.",
    ),
    "cs": (
        "smsremind: zbývá {total} SMS",
        "Zbývá {total} SMS ({monthly} z měsíčního limitu, {bought} "
        "dokoupených). Měsíční limit se obnoví {resets}.",
        "smsremind: limit SMS vyčerpán – odesílání zastaveno",
        "Limit SMS byl vyčerpán a odesílání připomínek je zastaveno. Zprávy čekají a odejdou po dobití, "
        "pokud budou stále platné.\n\nBalíček dokoupíte příkazem:\n"
        "    smsremind quota buy 100   (nebo 500, 1000)\nMěsíční limit se obnoví {resets}.",
    ),
    "en": (
        "smsremind: {total} SMS left",
        "{total} SMS left ({monthly} of the monthly allowance, {bought} "
        "bought). The monthly allowance renews on {resets}.",
        "smsremind: SMS quota used up - sending has stopped",
        "The SMS quota is used up and sending has stopped. Due messages are held and go out after a "
        "top-up if they are still valid.\n\nTo buy a pack, run:\n"
        "    smsremind quota buy 100   (or 500, 1000)\nThe monthly allowance renews on {resets}.",
    ),
}


_STOPPED_KEY = "alerts.stopped"  # the quota "epoch" (month + last top-up) already told about

STOPPED = {
    "pl": (
        "smsremind: wysyłka wstrzymana – {held} SMS czeka na doładowanie",
        "Wysyłka przypomnień została wstrzymana: {held} wiadomości ({parts} części SMS) czeka, bo "
        "limit SMS nie wystarcza (zostało {total}). Zostaną wysłane po doładowaniu, jeśli nadal będą "
        "aktualne.\n\nPakiet, który je pokryje:\n    smsremind quota buy {pack}\n"
        "Pula miesięczna odnowi się {resets}.",
    ),
    "cs": (
        "smsremind: odesílání zastaveno – {held} SMS čeká na dobití",
        "Odesílání připomínek je zastaveno: {held} zpráv ({parts} částí SMS) čeká, protože limit SMS "
        "nestačí (zbývá {total}). Odejdou po dobití, pokud budou stále platné.\n\n"
        "Balíček, který je pokryje:\n    smsremind quota buy {pack}\nMěsíční limit se obnoví {resets}.",
    ),
    "en": (
        "smsremind: sending stopped - {held} SMS wait for a top-up",
        "Sending has stopped: {held} messages ({parts} SMS parts) are held because the quota does not "
        "cover them ({total} left). They go out after a top-up if they are still valid.\n\n"
        "The pack that covers them:\n    smsremind quota buy {pack}\n"
        "The monthly allowance renews on {resets}.",
    ),
}


def _epoch(conn: Any, cfg: Config, now: datetime) -> tuple[str, str]:
    """(key, start) of the quota "epoch": a new month or a top-up (or raised allowance) starts one."""
    last = conn.execute(  # the partial index ledger_top_ups: not a walk back through the charges
        "SELECT id, at FROM ledger WHERE kind IN ('purchase', 'adjust') ORDER BY id DESC LIMIT 1"
    ).fetchone()
    month_start = to_store(day_start(now.date().replace(day=1), cfg.timezone))
    start = max(month_start, last[1]) if last else month_start
    return f"{quota.month_of(now)}/{last[0] if last else 0}", start


def _decide_stopped(store: Store, cfg: Config, now: datetime) -> tuple[str, int, int] | None:
    """(epoch, messages, parts) held for quota, if one was held in an epoch nobody was told about."""
    with store.tx() as conn:
        epoch, since = _epoch(conn, cfg, now)
        held, parts, fresh = conn.execute(
            "SELECT count(*), coalesce(sum(parts), 0), coalesce(sum(updated_at >= ?), 0) FROM messages "
            f"WHERE {OPEN_MESSAGES} AND state = 'held' AND reason = ?",
            (since, QUOTA),
        ).fetchone()
        # held before the last top-up: the next run sends them; only a hold since then is news
        if not fresh or store.get_meta(_STOPPED_KEY) == epoch:
            return None
        store.set_meta(_STOPPED_KEY, epoch)
    return epoch, held, parts


def pack_for(cfg: Config, parts: int) -> int:
    """The smallest pack that covers ``parts``, else the largest."""
    sizes = sorted(cfg.payments.packs)
    return next((size for size in sizes if size >= parts), sizes[-1])


def stopped(store: Store, cfg: Config, now: datetime) -> bool:
    """The first message held for quota (after each top-up or new month) mails "sending stopped"."""
    decided = _decide_stopped(store, cfg, now)
    if decided is None:
        return False
    epoch, held, parts = decided
    b = quota.current(store, cfg, now)
    subject, body = STOPPED[cfg.language]
    values = {
        "held": held,
        "parts": parts,
        "total": b.total,
        "pack": pack_for(cfg, parts),
        "resets": b.resets_on.isoformat(),
    }
    try:
        mail.send(cfg, mail.Mail(cfg.email.admin, subject.format(**values), body.format(**values)))
    except MailError as exc:
        log.warning(N_("%s; the alert will be retried by the next run"), exc)
        with store.tx():
            if store.get_meta(_STOPPED_KEY) == epoch:
                store.conn.execute("DELETE FROM meta WHERE key = ?", (_STOPPED_KEY,))
        return False
    log.info("alert mailed to %s: sending stopped, %d messages held", cfg.email.admin, held)
    return True


def _decide(store: Store, cfg: Config, now: datetime) -> tuple[set[int], quota.Balance]:
    """Record which thresholds fire now and return them (mail about the lowest)."""
    with store.tx() as conn:
        b = quota.balance(conn, cfg, now)
        fired = set(json.loads(store.get_meta(_KEY, "[]") or "[]"))
        crossed = {t for t in cfg.quota.alerts if b.total <= t} - fired
        fired = {t for t in fired if b.total <= t} | crossed  # re-arm what the balance rose above
        store.set_meta(_KEY, json.dumps(sorted(fired)))
    return crossed, b


def check(store: Store, cfg: Config, now: datetime) -> int | None:
    """Mail the administrator if sending stopped or a threshold was crossed; returns that threshold.

    "Sending stopped" says more than "0 left" (how many wait, which pack), so
    a run that sends it marks the thresholds it crossed as told.
    """
    told = stopped(store, cfg, now)
    crossed, b = _decide(store, cfg, now)
    if not crossed or told:
        return None
    subject, body, empty_subject, empty_body = TEXTS[cfg.language]
    values = {
        "total": b.total,
        "monthly": b.monthly_left,
        "bought": b.bought_left,
        "resets": b.resets_on.isoformat(),
    }
    if b.total <= 0:
        message = mail.Mail(cfg.email.admin, empty_subject.format(**values), empty_body.format(**values))
    else:
        message = mail.Mail(cfg.email.admin, subject.format(**values), body.format(**values))
    try:
        mail.send(cfg, message)
    except MailError as exc:
        log.warning(N_("%s; the alert will be retried by the next run"), exc)
        _rearm(store, crossed)
        return None
    log.info("alert mailed to %s: %s", cfg.email.admin, message.subject)
    return min(crossed)


def _rearm(store: Store, thresholds: set[int]) -> None:
    with store.tx():
        fired = set(json.loads(store.get_meta(_KEY, "[]") or "[]"))
        store.set_meta(_KEY, json.dumps(sorted(fired - thresholds)))
