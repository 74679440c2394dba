"""SMSAPI.pl (Poland): POST /sms.do with a Bearer token, JSON answers.

Exactly once: our message id goes out as ``idx`` with ``check_idx=1``; SMSAPI
refuses a second message with the same idx (error 53), which therefore means
"already accepted".  That makes every uncertain outcome safe to retry.
Business errors arrive as HTTP 200 with ``{"error": N, "message": ...}``.
"""

from __future__ import annotations

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
        return f"SMSAPI at {self.base}: token accepted (test message, nothing sent)"

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

    def close(self) -> None:
        self.http.close()
