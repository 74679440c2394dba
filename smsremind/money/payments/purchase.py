"""Buying a pack (SPEC §7, D-"Zakup dodatkowych SMS-ów"): register, wait, verify, credit, invoice.

States of a purchase: ``new`` (stored, not yet registered) -> ``pending``
(registered with Przelewy24, waiting for the payment) -> ``credited`` (paid,
verified, the pack in the ledger), or ``expired`` (not paid within
`pending_hours`) / ``failed`` (rejected, returned, or amounts differ).

Exactly once: the pack is credited in the transaction that moves the
purchase from ``pending`` to ``credited`` (a compare-and-set), and the ledger's
unique index allows one purchase row per payment, so two processes settling
the same paid purchase credit it once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from smsremind import mail
from smsremind.clock import from_store, to_store
from smsremind.config import Config
from smsremind.errors import ConfigError, InvalidInputError, MailError, PaymentError
from smsremind.money import invoice, quota
from smsremind.storage.store import Store

if TYPE_CHECKING:
    from smsremind.money.payments.przelewy24 import Przelewy24

log = logging.getLogger(__name__)
PAID = (1, 2)  # P24 by/sessionId status: 1 advance payment, 2 payment made (verified)
RETURNED = 3
PACK_NAME = {"pl": "Pakiet {n} SMS", "cs": "Balíček {n} SMS", "en": "{n} SMS pack"}
COUNTRY = {"PLN": "PL", "CZK": "CZ"}


def price_of(cfg: Config, pack: int) -> Decimal:
    if pack not in cfg.payments.packs:
        sizes = ", ".join(str(p) for p in cfg.payments.packs)
        raise InvalidInputError(f"there is no pack of {pack} SMS; packs: {sizes}")
    return cfg.payments.packs[pack]


def minor_units(price: Decimal) -> int:
    return int((price * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def get(store: Store, ref: str | int) -> dict[str, Any]:
    row = store.one("SELECT * FROM payments WHERE id = ? OR session_id = ?", (ref, str(ref)))
    if row is None:
        raise InvalidInputError(f"no purchase {ref!r}")
    return row


def _update(store: Store, payment_id: int, now: datetime, **values: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    with store.tx() as conn:
        conn.execute(
            f"UPDATE payments SET {sets}, updated_at = ? WHERE id = ?",
            (*values.values(), to_store(now), payment_id),
        )


def start(store: Store, cfg: Config, client: Przelewy24, pack: int, now: datetime) -> dict[str, Any]:
    """Store the purchase, then register it with Przelewy24; returns the row (with the link)."""
    price = price_of(cfg, pack)
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


def settle(store: Store, cfg: Config, client: Przelewy24, payment_id: int, now: datetime) -> str:
    """Ask P24 about a pending purchase and act: credit it, expire it, or leave it pending."""
    p = get(store, payment_id)
    if p["state"] != "pending":
        return str(p["state"])
    data = client.status(p["session_id"])
    if data is None or data.get("status") not in (*PAID, RETURNED):
        if now - from_store(p["created_at"], cfg.timezone) > timedelta(hours=cfg.payments.pending_hours):
            _update(store, payment_id, now, state="expired", error="not paid in time")
            return "expired"
        return "pending"
    if data.get("status") == RETURNED:
        _update(store, payment_id, now, state="failed", error="the payment was returned")
        return "failed"
    if int(data.get("amount", -1)) != p["amount"] or data.get("currency") != p["currency"]:
        _update(
            store,
            payment_id,
            now,
            state="failed",
            error=f"paid {data.get('amount')} {data.get('currency')}, expected {p['amount']} {p['currency']}",
        )
        return "failed"
    order_id = int(data["orderId"])
    if data.get("status") == 1:  # paid, not yet verified (2 = someone verified it already)
        client.verify(
            session_id=p["session_id"], order_id=order_id, amount=p["amount"], currency=p["currency"]
        )
    return (
        "credited" if credit(store, cfg, payment_id, order_id, now) else str(get(store, payment_id)["state"])
    )


def credit(store: Store, cfg: Config, payment_id: int, order_id: int, now: datetime) -> bool:
    """Credit the pack once: True for the process that did it."""
    with store.tx() as conn:
        row = conn.execute(
            "SELECT pack FROM payments WHERE id = ? AND state = 'pending'", (payment_id,)
        ).fetchone()
        if row is None:
            return False
        number = _next_invoice_number(conn, now)
        conn.execute(
            "UPDATE payments SET state = 'credited', order_id = ?, credited_at = ?, updated_at = ?, "
            "invoice_number = ? WHERE id = ? AND state = 'pending'",
            (order_id, to_store(now), to_store(now), number, payment_id),
        )
        quota.credit_purchase(conn, now, payment_id, row[0], f"pack of {row[0]}, P24 order {order_id}")
    return True


def _next_invoice_number(conn: Any, now: datetime) -> str:
    year = now.strftime("%Y")
    count = conn.execute(
        "SELECT count(*) FROM payments WHERE invoice_number LIKE ?", (f"SMS/{year}/%",)
    ).fetchone()
    return f"SMS/{year}/{count[0] + 1:04d}"


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
        payment_ref=f"Przelewy24 order {p['order_id']} (session {p['session_id']})",
        language=cfg.language,
    )


def mail_invoice(store: Store, cfg: Config, payment_id: int, now: datetime) -> str:
    """E-mail the invoice PDF to the administrator; returns where it went."""
    p = get(store, payment_id)
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
    where = mail.send(
        cfg,
        mail.Mail(
            cfg.email.admin,
            subject,
            body.format(p=p["pack"], o=p["order_id"]),
            [(filename, pdf, "application/pdf")],
        ),
    )
    _update(store, payment_id, now, invoice_mailed_at=to_store(now))
    return where


def check_pending(store: Store, cfg: Config, now: datetime) -> list[tuple[str, str]]:
    """For `run`: settle pending purchases and mail invoices not mailed yet; never raises.

    Returns (session id, outcome) for every purchase that changed.
    """
    rows = store.query(
        "SELECT id, session_id, state, invoice_mailed_at FROM payments "
        "WHERE state = 'pending' OR (state = 'credited' AND invoice_mailed_at IS NULL)"
    )
    if not rows:
        return []
    from smsremind.money.payments.przelewy24 import (
        Przelewy24,  # loads requests: only when something is pending
    )

    changed: list[tuple[str, str]] = []
    try:
        client = Przelewy24(cfg.payments)
    except ConfigError as exc:  # misconfigured: say so, but do not stop sending
        log.warning("pending purchases not checked: %s", exc)
        return changed
    for row in rows:
        try:
            state = settle(store, cfg, client, row["id"], now) if row["state"] == "pending" else "credited"
            if state == "credited":
                mail_invoice(store, cfg, row["id"], now)
            if state != row["state"]:
                changed.append((row["session_id"], state))
        except (PaymentError, MailError) as exc:
            log.warning("purchase %s: %s", row["session_id"], exc)
    return changed
