"""Buying a pack (SPEC §7, D-"Zakup dodatkowych SMS-ów"): register, wait, verify, credit, invoice.

States of a purchase: ``new`` (stored, not yet registered) -> ``pending``
(registered with Przelewy24, waiting for the payment) -> ``credited`` (paid,
verified, the pack in the ledger), or ``expired`` (not paid within
`pending_hours`) / ``failed`` (rejected, returned, or amounts differ).  An
expired purchase is still asked about, at most hourly, for 30 days: a
traditional bank transfer can be paid days later, and is then credited.

Exactly once: the pack is credited in the transaction that moves the
purchase from ``pending``/``expired`` to ``credited`` (a compare-and-set), and
the ledger's unique index allows one purchase row per payment, so two
processes settling the same paid purchase credit it once.  The same
transaction hands the invoice mail to the crediting process (``invoice_claim``),
so the invoice is mailed once too.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from smsremind import mail
from smsremind.clock import from_store, to_store
from smsremind.config import Config
from smsremind.errors import ConfigError, InvalidInputError, MailError, PaymentError
from smsremind.i18n import N_, _
from smsremind.money import invoice, quota
from smsremind.storage.store import Store

if TYPE_CHECKING:
    from smsremind.money.payments.przelewy24 import Przelewy24

log = logging.getLogger(__name__)
PAID = (1, 2)  # P24 by/sessionId status: 1 advance payment, 2 payment made (verified)
RETURNED = 3
OPEN = ("pending", "expired")  # states a payment can still arrive in
LATE_DAYS = 30  # an expired purchase is still asked about this long: a bank transfer can take days
LATE_EVERY = timedelta(hours=1)  # ... but at most this often
CLAIM_STALE = timedelta(hours=1)  # an invoice mail claimed this long ago and not sent: its process died
PACK_NAME = {"pl": "Pakiet {n} SMS", "cs": "Balíček {n} SMS", "en": "{n} SMS pack"}
COUNTRY = {"PLN": "PL", "CZK": "CZ"}


def price_of(cfg: Config, pack: int) -> Decimal:
    if pack not in cfg.payments.packs:
        sizes = ", ".join(str(p) for p in cfg.payments.packs)
        text = _("there is no pack of {pack} SMS; packs: {sizes}")
        raise InvalidInputError(text.format(pack=pack, sizes=sizes))
    return cfg.payments.packs[pack]


def minor_units(price: Decimal) -> int:
    return int((price * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def get(store: Store, ref: str | int) -> dict[str, Any]:
    row = store.one("SELECT * FROM payments WHERE id = ? OR session_id = ?", (ref, str(ref)))
    if row is None:
        raise InvalidInputError(_("no purchase {ref}").format(ref=repr(ref)))
    return row


def _update(store: Store, payment_id: int, now: datetime, **values: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    with store.tx() as conn:
        conn.execute(
            f"UPDATE payments SET {sets}, updated_at = ? WHERE id = ?",
            (*values.values(), to_store(now), payment_id),
        )


def start(store: Store, cfg: Config, client: Przelewy24, pack: int, now: datetime) -> dict[str, Any]:
    """Store the purchase, then register it with Przelewy24; returns the row (with the link).

    Refuses before anything is stored or registered when the invoice could not be issued.
    """
    price = price_of(cfg, pack)
    check_invoice_config(cfg)
    session_id = f"smsremind-{secrets.token_hex(10)}"
    stamp = to_store(now)
    with store.tx() as conn:
        cur = conn.execute(
            "INSERT INTO payments (session_id, pack, amount, price, currency, state, sandbox, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, 'new', ?, ?, ?)",
            (
                session_id,
                pack,
                minor_units(price),
                str(price),
                cfg.payments.currency,
                cfg.payments.sandbox,
                stamp,
                stamp,
            ),
        )
    payment_id = int(cur.lastrowid or 0)
    description = PACK_NAME[cfg.language].format(n=pack)
    try:
        token = client.register(
            session_id=session_id,
            amount=minor_units(price),
            currency=cfg.payments.currency,
            description=description,
            email=cfg.payments.buyer.email or cfg.email.admin,
            country=COUNTRY[cfg.payments.currency],
            language=cfg.language,
        )
    except PaymentError as exc:
        _update(store, payment_id, now, state="failed", error=str(exc))
        raise
    _update(store, payment_id, now, state="pending", token=token, link=client.link(token))
    return get(store, payment_id)


def _late_check_due(p: dict[str, Any], cfg: Config, now: datetime) -> bool:
    """An expired purchase is asked about again at most hourly, up to LATE_DAYS after it was made."""
    if now - from_store(p["created_at"], cfg.timezone) > timedelta(days=LATE_DAYS):
        return False
    return p["checked_at"] is None or now - from_store(p["checked_at"], cfg.timezone) >= LATE_EVERY


def settle(
    store: Store, cfg: Config, client: Przelewy24, payment_id: int, now: datetime, claim: str = ""
) -> str:
    """Ask P24 about an open purchase and act: credit it, expire it, or leave it as it is.

    Credits only after ``transaction/verify`` succeeded for our own session id, amount and
    currency; an answer about another session or an unreadable one raises PaymentError and
    changes nothing.  ``claim`` names the caller for the invoice mail (:func:`mail_invoice`).
    """
    p = get(store, payment_id)
    if p["state"] not in OPEN or (p["state"] == "expired" and not _late_check_due(p, cfg, now)):
        return str(p["state"])
    _update(store, payment_id, now, checked_at=to_store(now))
    tx = client.status(p["session_id"])
    if tx is None or tx.status not in (*PAID, RETURNED):
        if p["state"] == "pending" and now - from_store(p["created_at"], cfg.timezone) > timedelta(
            hours=cfg.payments.pending_hours
        ):
            _update(store, payment_id, now, state="expired", error="not paid in time")
            return "expired"
        return str(p["state"])
    if tx.session_id != p["session_id"]:
        text = _("Przelewy24 answered about session {other}, not {session}; nothing credited")
        raise PaymentError(text.format(other=repr(tx.session_id[:40]), session=p["session_id"]))
    if tx.status == RETURNED:
        _update(store, payment_id, now, state="failed", error="the payment was returned")
        return "failed"
    if tx.amount != p["amount"] or tx.currency != p["currency"]:
        paid = f"paid {tx.amount} {tx.currency[:3]}, expected {p['amount']} {p['currency']}"
        _update(store, payment_id, now, state="failed", error=paid)
        return "failed"
    # Always verify, also when P24 says 2 (payment made): only our own verify, with our session
    # id, amount and currency, proves the money is ours.
    client.verify(
        session_id=p["session_id"], order_id=tx.order_id, amount=p["amount"], currency=p["currency"]
    )
    credited = credit(store, cfg, payment_id, tx.order_id, now, claim)
    return "credited" if credited else str(get(store, payment_id)["state"])


def credit(store: Store, cfg: Config, payment_id: int, order_id: int, now: datetime, claim: str = "") -> bool:
    """Credit the pack once: True for the process that did it.

    The same transaction numbers the invoice and hands its mail to ``claim`` (when given), so
    of two processes settling one payment exactly one mails the invoice.
    """
    with store.tx() as conn:
        row = conn.execute(
            "SELECT pack FROM payments WHERE id = ? AND state IN ('pending', 'expired')", (payment_id,)
        ).fetchone()
        if row is None:
            return False
        number = next_invoice_number(conn, cfg, now)
        conn.execute(
            "UPDATE payments SET state = 'credited', error = NULL, order_id = ?, credited_at = ?, "
            "updated_at = ?, invoice_number = ?, invoice_claim = ?, invoice_claimed_at = ? "
            "WHERE id = ? AND state IN ('pending', 'expired')",
            (order_id, to_store(now), to_store(now), number, claim or None, to_store(now), payment_id),
        )
        quota.credit_purchase(conn, now, payment_id, row[0], f"pack of {row[0]}, P24 order {order_id}")
    return True


def invoice_problems(cfg: Config) -> list[str]:
    """The config keys an invoice needs that are empty (art. 106e: names, addresses, NIPs)."""
    pay = cfg.payments
    missing = [
        f"[payments.{side}] {key}"
        for side, party in (("seller", pay.seller), ("buyer", pay.buyer))
        for key in ("name", "address", "tax_id")
        if not getattr(party, key).strip()
    ]
    if "{account}" in pay.invoice_series and not pay.account:
        missing.append("[payments] account")
    return missing


def check_invoice_config(cfg: Config) -> None:
    missing = invoice_problems(cfg)
    if missing:
        text = _("cannot issue an invoice: set {keys} in {path} (nothing was registered)")
        raise ConfigError(text.format(keys=", ".join(missing), path=cfg.path))


def next_invoice_number(conn: Any, cfg: Config, now: datetime) -> str:
    """The next number of ``[payments] invoice_series`` for this account and year ({n}: 0001, …)."""
    pay = cfg.payments
    if "{account}" in pay.invoice_series and not pay.account:
        text = _("cannot number the invoice: set [payments] account in {path}")
        raise ConfigError(text.format(path=cfg.path))
    frame = pay.invoice_series.replace("{account}", pay.account).replace("{year}", now.strftime("%Y"))
    prefix, _n, suffix = frame.partition("{n}")
    pattern = re.compile(re.escape(prefix) + r"(\d+)" + re.escape(suffix))
    rows = conn.execute("SELECT invoice_number FROM payments WHERE invoice_number IS NOT NULL")
    used = [int(m.group(1)) for (number,) in rows if (m := pattern.fullmatch(number))]
    return f"{prefix}{max(used, default=0) + 1:04d}{suffix}"


def invoice_for(cfg: Config, p: dict[str, Any]) -> invoice.InvoiceData:
    pay = cfg.payments
    credited = from_store(p["credited_at"], cfg.timezone).date()
    buyer = pay.buyer if pay.buyer.email else replace(pay.buyer, email=cfg.email.admin)
    return invoice.InvoiceData(
        number=p["invoice_number"],
        issued=credited,
        sale_date=credited,
        seller=invoice.Party(pay.seller.name, pay.seller.address, pay.seller.tax_id, pay.seller.email),
        buyer=invoice.Party(buyer.name, buyer.address, buyer.tax_id, buyer.email),
        item=PACK_NAME[cfg.language].format(n=p["pack"]),
        quantity=1,
        gross=Decimal(p["price"]),
        vat_rate=pay.vat_rate,
        currency=p["currency"],
        paid_on=credited,
        transaction=str(p["order_id"]),
        language=cfg.language,
    )


def new_claim() -> str:
    """A name for this process in the invoice-mail hand-over."""
    return secrets.token_hex(8)


def claim_invoice(store: Store, payment_id: int, now: datetime, claim: str) -> bool:
    """Take over an invoice nobody mailed: unclaimed (a failed mail released it) or claimed by a
    process that has not finished within CLAIM_STALE (it died)."""
    with store.tx() as conn:
        cur = conn.execute(
            "UPDATE payments SET invoice_claim = ?, invoice_claimed_at = ? WHERE id = ? "
            "AND state = 'credited' AND invoice_mailed_at IS NULL "
            "AND (invoice_claim IS NULL OR invoice_claimed_at < ?)",
            (claim, to_store(now), payment_id, to_store(now - CLAIM_STALE)),
        )
    return cur.rowcount == 1


def mail_invoice(store: Store, cfg: Config, payment_id: int, now: datetime, claim: str) -> str | None:
    """E-mail the invoice PDF to the administrator if ``claim`` holds its mail; returns where it
    went, or None when another process mails it.  A failed mail releases the claim."""
    p = get(store, payment_id)
    if p["invoice_claim"] != claim or p["invoice_mailed_at"] is not None:
        return None
    data = invoice_for(cfg, p)
    pdf = invoice.render_pdf(data)
    filename = data.number.replace("/", "-") + ".pdf"
    subject = {
        "pl": "Faktura {n} – pakiet {p} SMS",
        "cs": "Faktura {n} – balíček {p} SMS",
        "en": "Invoice {n} - {p} SMS pack",
    }[cfg.language].format(n=data.number, p=p["pack"])
    body = {
        "pl": "W załączniku faktura za pakiet {p} SMS (Przelewy24, zamówienie {o}).",
        "cs": "V příloze je faktura za balíček {p} SMS (Przelewy24, objednávka {o}).",
        "en": "Attached is the invoice for the {p} SMS pack (Przelewy24 order {o}).",
    }[cfg.language]
    message = mail.Mail(
        cfg.email.admin,
        subject,
        body.format(p=p["pack"], o=p["order_id"]),
        [(filename, pdf, "application/pdf")],
        sender=cfg.payments.seller.email,  # the invoice comes from its issuer
    )
    try:
        where = mail.send(cfg, message)
    except MailError:
        with store.tx() as conn:
            conn.execute(
                "UPDATE payments SET invoice_claim = NULL WHERE id = ? AND invoice_claim = ?",
                (payment_id, claim),
            )
        raise
    _update(store, payment_id, now, invoice_mailed_at=to_store(now))
    return where


def check_pending(store: Store, cfg: Config, now: datetime) -> list[tuple[str, str]]:
    """For `run`: settle open purchases and mail invoices not mailed yet; never raises.

    Returns (session id, outcome) for every purchase that changed.  Any error is logged in one
    line and sending goes on: a payment answer nobody foresaw must not keep reminders back.
    """
    changed: list[tuple[str, str]] = []
    try:
        _check_open(store, cfg, now, changed)
    except Exception as exc:
        log.warning(N_("purchases not checked: %s: %s; sending goes on"), type(exc).__name__, exc)
    return changed


def _check_open(store: Store, cfg: Config, now: datetime, changed: list[tuple[str, str]]) -> None:
    rows = store.query(
        "SELECT id, session_id, state, created_at, checked_at, invoice_mailed_at FROM payments "
        "WHERE state = 'pending' OR (state = 'credited' AND invoice_mailed_at IS NULL) "
        "OR (state = 'expired' AND created_at >= ?)",
        (to_store(now - timedelta(days=LATE_DAYS)),),
    )
    rows = [r for r in rows if r["state"] != "expired" or _late_check_due(r, cfg, now)]
    if not rows:
        return
    from smsremind.money.payments.przelewy24 import (
        Przelewy24,  # loads requests: only when something is open
    )

    try:
        client = Przelewy24(cfg.payments)
    except ConfigError as exc:  # misconfigured: say so, but do not stop sending
        log.warning(N_("pending purchases not checked: %s"), exc)
        return
    claim = new_claim()
    for row in rows:
        try:
            if row["state"] == "credited":
                state = "credited"
                if claim_invoice(store, row["id"], now, claim):
                    mail_invoice(store, cfg, row["id"], now, claim)
            else:
                state = settle(store, cfg, client, row["id"], now, claim)
                if state == "credited":
                    mail_invoice(store, cfg, row["id"], now, claim)
            if state != row["state"]:
                changed.append((row["session_id"], state))
        except (PaymentError, MailError, ConfigError) as exc:
            log.warning(N_("purchase %s: %s"), row["session_id"], exc)
