"""SMSAPI.pl (Poland): POST /sms.do with a Bearer token, JSON answers.

Exactly once: our message id goes out as ``idx`` with ``check_idx=1``; SMSAPI
refuses a second message with the same idx (error 53), which therefore means
"already accepted".  That makes every uncertain outcome safe to retry.
Business errors arrive as HTTP 200 with ``{"error": N, "message": ...}``.

Patients' answers reach SMSAPI only by callback (a web server we don't
have): nothing can be polled.  What can be read is the account's blacklist
(``GET /blacklist/phone_numbers``), which :meth:`opt_outs` hands to our
opt-out list where the token may read it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import requests

from smsremind.config import Gateway as GatewayConfig
from smsremind.errors import ConfigError, GatewayError
from smsremind.sending.gateways.base import Delivery, Gateway, Outcome, Result, Sms
from smsremind.sending.gateways.http import post, session

HOSTS = {"pl": "https://api.smsapi.pl", "com": "https://api.smsapi.com"}
ALREADY_SENT = 53
CREDENTIALS = {
    101: "authorization failed",
    102: "wrong login or password",
    105: "this IP address is not allowed",
}
OUT_OF_POINTS = 103
SENDER_UNKNOWN = 14
TRANSIENT = {200, 201, 202, 203, 999}
FINAL = {"DELIVERED", "UNDELIVERED", "FAILED", "EXPIRED", "STOP", "REJECTED"}
NO_POLLING = "answers reach SMSAPI only by callback: they cannot be fetched; its blacklist is read instead"
PAGE = 100
log = logging.getLogger(__name__)


class SmsapiGateway(Gateway):
    name = "smsapi"
    idempotent = True

    def __init__(self, cfg: GatewayConfig):
        if not cfg.token:
            raise ConfigError('[gateway] provider = "smsapi" needs token (or SMSREMIND_SMSAPI_TOKEN)')
        self.base = (cfg.base_url or HOSTS[cfg.smsapi_domain]).rstrip("/")
        self.timeout = cfg.timeout
        self.http = session(cfg.workers)
        self.http.headers["Authorization"] = f"Bearer {cfg.token}"

    def _post(self, data: dict[str, str]) -> Result | dict[str, Any]:
        response = post(self.http, f"{self.base}/sms.do", data, self.timeout)
        if isinstance(response, Result):
            return response
        try:
            doc = response.json()
        except ValueError:
            return Result(Outcome.UNKNOWN, reason=f"unreadable answer (HTTP {response.status_code})")
        if not isinstance(doc, dict):
            return Result(Outcome.UNKNOWN, reason="unreadable answer")
        return doc

    def send(self, sms: Sms, now: datetime, resend: bool = False) -> Result:
        doc = self._post(
            {
                "to": sms.to.lstrip("+"),
                "message": sms.text,
                "from": sms.sender,
                "format": "json",
                "encoding": "utf-8",
                "idx": sms.key,
                "check_idx": "1",
            }
        )
        if isinstance(doc, Result):
            return doc
        if doc.get("error"):
            return self._error(int(doc["error"]), str(doc.get("message", "")), sms)
        try:
            item = doc["list"][0]
            return Result(
                Outcome.ACCEPTED, gateway_id=str(item["id"]), parts=int(item.get("parts") or sms.parts)
            )
        except (KeyError, IndexError, TypeError, ValueError):
            return Result(Outcome.UNKNOWN, reason="unexpected answer")

    def _error(self, code: int, message: str, sms: Sms) -> Result:
        if code == ALREADY_SENT:  # an earlier attempt with this idx got through
            return Result(Outcome.ACCEPTED, parts=sms.parts, reason="already accepted (idx)")
        if code in CREDENTIALS:
            raise GatewayError(f"SMSAPI: {CREDENTIALS[code]} ({code}); check [gateway] token")
        if code == OUT_OF_POINTS:
            raise GatewayError("SMSAPI: the account has no points left (103); top it up at smsapi.pl")
        if code == SENDER_UNKNOWN:
            raise GatewayError(
                f"SMSAPI: sender name {sms.sender!r} is not registered (14); check [gateway] sender"
            )
        if code in TRANSIENT:
            return Result(Outcome.TRANSIENT, reason=f"SMSAPI {code}: {message}")
        return Result(Outcome.REJECTED, reason=f"SMSAPI {code}: {message}")

    def check(self) -> str:
        doc = self._post({"to": "48500000000", "message": "test", "format": "json", "test": "1"})
        if isinstance(doc, Result):
            raise GatewayError(f"SMSAPI did not answer at {self.base}: {doc.reason}")
        if doc.get("error"):
            code = int(doc["error"])
            if code in CREDENTIALS:
                raise GatewayError(f"SMSAPI: {CREDENTIALS[code]} ({code}); check [gateway] token")
            if code != 13:  # the test number itself may be refused; the token was fine
                raise GatewayError(f"SMSAPI test message refused: {code}: {doc.get('message', '')}")
        return f"SMSAPI at {self.base}: token accepted (test message, nothing sent); {NO_POLLING}"

    def delivery(self, gateway_id: str) -> Delivery | None:
        try:
            response = self.http.get(
                f"{self.base}/sms.do", params={"status": gateway_id, "format": "json"}, timeout=self.timeout
            )
            item = response.json()["list"][0]
        except (requests.RequestException, ValueError, KeyError, IndexError, TypeError):
            return None
        status = str(item.get("status", "")).upper()
        return Delivery(status.lower(), final=status in FINAL, failed=status in FINAL - {"DELIVERED"})

    def opt_outs(self) -> list[str] | None:
        """The account's blacklisted numbers, as listed (None: the token may not read them)."""
        numbers: list[str] = []
        while True:
            page = self._blacklist_page(len(numbers))
            if page is None:  # a partial list is still worth taking
                return numbers or None
            numbers += page
            if len(page) < PAGE:
                return numbers

    def _blacklist_page(self, offset: int) -> list[str] | None:
        try:
            response = self.http.get(
                f"{self.base}/blacklist/phone_numbers",
                params={"offset": str(offset), "limit": str(PAGE)},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            log.info("SMSAPI blacklist not read: %s", type(exc).__name__)
            return None
        try:
            doc = response.json() if response.status_code == 200 else None
            return [str(item["phone_number"]) for item in doc["collection"]] if doc else None
        except (ValueError, KeyError, TypeError):
            log.info("SMSAPI blacklist not read (HTTP %s)", response.status_code)
            return None

    def close(self) -> None:
        self.http.close()
