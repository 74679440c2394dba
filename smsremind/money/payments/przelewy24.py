"""Przelewy24 REST API v1 client: register, status by session, verify, test access.

Every call uses HTTP Basic auth (posId : API key) and explicit timeouts.
Signs are SHA-384 of compact JSON with the fields in the documented order,
no unicode or slash escaping, integers as integers (:func:`sign`).  Errors
become :class:`smsremind.errors.PaymentError` with one clear line; a
transaction that P24 does not know yet (404) is "not paid", not an error.

Redirects are never followed: P24's API does not redirect, so a 3xx means
`base_url` points somewhere else, and following a 307 would re-send the
signed body (a 302 would even turn the verify PUT into a GET).

A status answer is checked field by field before anything acts on it
(:class:`Transaction`): a missing ``orderId`` or an ``amount`` that is null
or a string is an unreadable answer, not a crash.

Payment channels: no ``channel`` is sent, so the payer may use every method
the merchant enabled in the P24 panel, traditional bank transfer included;
``timeLimit`` 0 (no time limit) keeps the payment link valid for such a
transfer, which can arrive days later (:mod:`purchase` keeps asking).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import requests

from smsremind.config import Payments
from smsremind.errors import ConfigError, PaymentError
from smsremind.i18n import _

TIMEOUT = 15.0
TIME_LIMIT = 0  # register's timeLimit: 0 = the link does not expire (a bank transfer may take days)


@dataclass(frozen=True)
class Transaction:
    """What ``transaction/by/sessionId`` says, checked: only these fields are acted on."""

    session_id: str
    order_id: int
    status: int
    amount: int
    currency: str

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Transaction:
        """The answer's ``data``; PaymentError naming the first field that is missing or mistyped."""
        fields = {"sessionId": str, "orderId": int, "status": int, "amount": int, "currency": str}
        for name, kind in fields.items():
            value = data.get(name)
            # JSON integers only: bool is an int in Python, and "2900" or 29.0 is not an amount
            if type(value) is not kind:
                shown = _("missing") if name not in data else f"{type(value).__name__} {value!r}"[:60]
                text = _("Przelewy24 sent an unreadable transaction status: {name} is {shown}")
                raise PaymentError(text.format(name=name, shown=shown))
        return cls(data["sessionId"], data["orderId"], data["status"], data["amount"], data["currency"])


def sign(fields: dict[str, Any]) -> str:
    """SHA-384 hex of the compact JSON of ``fields`` in the given order."""
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha384(text.encode("utf-8")).hexdigest()


def register_sign(session_id: str, merchant_id: int, amount: int, currency: str, crc: str) -> str:
    return sign(
        {
            "sessionId": session_id,
            "merchantId": merchant_id,
            "amount": amount,
            "currency": currency,
            "crc": crc,
        }
    )


def verify_sign(session_id: str, order_id: int, amount: int, currency: str, crc: str) -> str:
    return sign(
        {"sessionId": session_id, "orderId": order_id, "amount": amount, "currency": currency, "crc": crc}
    )


class Przelewy24:
    def __init__(self, cfg: Payments, timeout: float = TIMEOUT):
        missing = [k for k in ("merchant_id", "api_key", "crc") if not getattr(cfg, k)]
        if missing:
            text = _(
                "Przelewy24 is not configured: set {keys} "
                "(api_key and crc may come from SMSREMIND_P24_API_KEY / SMSREMIND_P24_CRC)"
            )
            raise ConfigError(text.format(keys=", ".join(f"[payments] {k}" for k in missing)))
        self.cfg = cfg
        self.pos_id = cfg.pos_id or cfg.merchant_id
        self.timeout = timeout
        self.http = requests.Session()
        self.http.auth = (str(self.pos_id), cfg.api_key)

    def link(self, token: str) -> str:
        return f"{self.cfg.host}/trnRequest/{token}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        url = f"{self.cfg.host}{path}"
        try:
            response = self.http.request(method, url, json=body, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            text = _("cannot reach Przelewy24 at {host}: {error}")
            raise PaymentError(text.format(host=self.cfg.host, error=type(exc).__name__)) from None
        if response.is_redirect or 300 <= response.status_code < 400:
            where = response.headers.get("Location", "")[:100] or "?"
            text = _(
                "Przelewy24 at {host} answered a redirect ({status} to {where}); "
                "not followed: check [payments] base_url and sandbox"
            )
            raise PaymentError(text.format(host=self.cfg.host, status=response.status_code, where=where))
        try:
            doc = response.json()
        except ValueError:
            doc = {}
        if response.status_code == 401:
            text = _("Przelewy24 refused the credentials ([payments] pos_id / api_key): {error}")
            raise PaymentError(text.format(error=_error(doc) or "Incorrect authentication"))
        if response.status_code >= 500:
            text = _("Przelewy24 answered {status}; try again later")
            raise PaymentError(text.format(status=response.status_code))
        return response.status_code, doc if isinstance(doc, dict) else {}

    def register(
        self,
        *,
        session_id: str,
        amount: int,
        currency: str,
        description: str,
        email: str,
        country: str,
        language: str,
    ) -> str:
        """Register a transaction; returns its token."""
        body = {
            "merchantId": self.cfg.merchant_id,
            "posId": self.pos_id,
            "sessionId": session_id,
            "amount": amount,
            "currency": currency,
            "description": description,
            "email": email,
            "country": country,
            "language": language,
            "urlReturn": self.cfg.return_url,
            "timeLimit": TIME_LIMIT,
            "sign": register_sign(session_id, self.cfg.merchant_id, amount, currency, self.cfg.crc),
        }
        status, doc = self._call("POST", "/api/v1/transaction/register", body)
        token = (doc.get("data") or {}).get("token") if isinstance(doc.get("data"), dict) else None
        if status != 200 or not token:
            text = _("Przelewy24 rejected the transaction: {error}")
            raise PaymentError(text.format(error=_error(doc) or f"HTTP {status}"))
        return str(token)

    def status(self, session_id: str) -> Transaction | None:
        """The transaction, or None while P24 has no payment for it (404)."""
        status, doc = self._call("GET", f"/api/v1/transaction/by/sessionId/{session_id}")
        if status == 404:
            return None
        data = doc.get("data")
        if status != 200 or not isinstance(data, dict):
            text = _("Przelewy24 status query failed: {error}")
            raise PaymentError(text.format(error=_error(doc) or f"HTTP {status}"))
        return Transaction.parse(data)

    def verify(self, *, session_id: str, order_id: int, amount: int, currency: str) -> None:
        """Returns only when P24 confirmed this session, amount and currency; else PaymentError."""
        body = {
            "merchantId": self.cfg.merchant_id,
            "posId": self.pos_id,
            "sessionId": session_id,
            "amount": amount,
            "currency": currency,
            "orderId": order_id,
            "sign": verify_sign(session_id, order_id, amount, currency, self.cfg.crc),
        }
        status, doc = self._call("PUT", "/api/v1/transaction/verify", body)
        data = doc.get("data")
        if status != 200 or not isinstance(data, dict) or data.get("status") != "success":
            text = _("Przelewy24 did not verify the payment: {error}")
            raise PaymentError(text.format(error=_error(doc) or f"HTTP {status}"))


def _error(doc: dict[str, Any]) -> str:
    """P24's error text; ``error`` may be a string or an object of field -> message."""
    error = doc.get("error")
    if isinstance(error, dict):
        return "; ".join(f"{k}: {v}" for k, v in error.items())
    return str(error) if error else ""
