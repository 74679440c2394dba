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

from smsremind import mail
from smsremind.config import Config
from smsremind.errors import MailError
from smsremind.money import quota
from smsremind.storage.store import Store

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
    """Mail the administrator if a threshold was crossed; returns that threshold."""
    crossed, b = _decide(store, cfg, now)
    if not crossed:
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
        log.warning("%s; the alert will be retried by the next run", exc)
        _rearm(store, crossed)
        return None
    log.info("alert mailed to %s: %s", cfg.email.admin, message.subject)
    return min(crossed)


def _rearm(store: Store, thresholds: set[int]) -> None:
    with store.tx():
        fired = set(json.loads(store.get_meta(_KEY, "[]") or "[]"))
        store.set_meta(_KEY, json.dumps(sorted(fired - thresholds)))
