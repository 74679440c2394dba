"""Przelewy24 REST API v1 client: register, status by session, verify, test access.

Every call uses HTTP Basic auth (posId : API key) and explicit timeouts.
Signs are SHA-384 of compact JSON with the fields in the documented order,
no unicode or slash escaping, integers as integers (:func:`sign`).  Errors
become :class:`smsremind.errors.PaymentError` with one clear line; a
transaction that P24 does not know yet (404) is "not paid", not an error.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import requests

from smsremind.config import Payments
from smsremind.errors import ConfigError, PaymentError

TIMEOUT = 15.0


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
            raise ConfigError(
                "Przelewy24 is not configured: set "
                + ", ".join(f"[payments] {k}" for k in missing)
                + " (api_key and crc may come from SMSREMIND_P24_API_KEY / SMSREMIND_P24_CRC)"
            )
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
            response = self.http.request(method, url, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PaymentError(f"cannot reach Przelewy24 at {self.cfg.host}: {type(exc).__name__}") from None
        try:
            doc = response.json()
        except ValueError:
            doc = {}
        if response.status_code == 401:
            raise PaymentError(
                "Przelewy24 refused the credentials ([payments] pos_id / api_key): "
                f"{_error(doc) or 'Incorrect authentication'}"
            )
        if response.status_code >= 500:
            raise PaymentError(f"Przelewy24 answered {response.status_code}; try again later")
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
            "sign": register_sign(session_id, self.cfg.merchant_id, amount, currency, self.cfg.crc),
        }
        status, doc = self._call("POST", "/api/v1/transaction/register", body)
        token = (doc.get("data") or {}).get("token") if isinstance(doc.get("data"), dict) else None
        if status != 200 or not token:
            raise PaymentError(f"Przelewy24 rejected the transaction: {_error(doc) or f'HTTP {status}'}")
        return str(token)

    def status(self, session_id: str) -> dict[str, Any] | None:
        """The transaction's data, or None while P24 has no payment for it (404)."""
        status, doc = self._call("GET", f"/api/v1/transaction/by/sessionId/{session_id}")
        if status == 404:
            return None
        data = doc.get("data")
        if status != 200 or not isinstance(data, dict):
            raise PaymentError(f"Przelewy24 status query failed: {_error(doc) or f'HTTP {status}'}")
        return data

    def verify(self, *, session_id: str, order_id: int, amount: int, currency: str) -> None:
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
            raise PaymentError(f"Przelewy24 did not verify the payment: {_error(doc) or f'HTTP {status}'}")


def _error(doc: dict[str, Any]) -> str:
    """P24's error text; ``error`` may be a string or an object of field -> message."""
    error = doc.get("error")
    if isinstance(error, dict):
        return "; ".join(f"{k}: {v}" for k, v in error.items())
    return str(error) if error else ""
