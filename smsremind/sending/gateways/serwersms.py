"""SerwerSMS.pl (Poland): HTTPS API v2, ``POST /<action>.json`` with a JSON body and a Bearer token.

Two-way: a message sent without a sender name goes out as SMS ECO+, and a
patient's answer comes back through ``messages/recived`` as type ``eco``
with ``message_id`` = the id the send gave us, so it is tied to exactly
that message; answers to an ND/NDI number (or the ``2waySMS`` sender) are
tied by number and time.  The list is polled by date, never with
``read=true``: that marks answers read and they would be gone if a run
died before storing them.

Exactly once: our message id goes out as ``unique_id``.  Refusing a repeated
unique_id is an account option whose answer the docs don't describe, so
the gateway is not treated as idempotent: an uncertain send is never
repeated; :meth:`lookup` asks ``messages/reports`` for that unique_id and
records the message as sent if SerwerSMS has it.

Errors come as HTTP 200 with ``{"error": {"code", "type", "message"}}``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from smsremind.config import Gateway as GatewayConfig
from smsremind.errors import ConfigError, GatewayError
from smsremind.i18n import N_, _
from smsremind.replies.inbox import Incoming
from smsremind.rules.reasons import FOUND_AFTER_UNCERTAIN, NO_STATUS
from smsremind.sending.gateways.base import Delivery, Gateway, Outcome, Result, Sms
from smsremind.sending.gateways.http import send, session

HOST = "https://api2.serwersms.pl"
WARSAW = ZoneInfo("Europe/Warsaw")  # the API's dates carry no zone: Polish time
STAMP = "%Y-%m-%d %H:%M:%S"
FATAL = {  # account problems: stop the run, say what to do
    1001: N_("the token was refused; check [gateway] token"),
    1002: N_("this account may not use the API"),
    1003: N_("this IP address is not allowed"),
    1005: N_("no permission"),
    1007: N_("the account is not fully active"),
    3000: N_("the SMS ECO+ limit is used up; top up the SerwerSMS account"),
    3001: N_("no permission to send SMS ECO+"),
    3002: N_("the SMS FULL limit is used up; top up the SerwerSMS account"),
    3003: "no permission to send SMS FULL",
    3009: "no permission to send SMS",
    3100: "sending is blocked on this account",
}
# reports status -> (final, failed, not charged)
STATUS = {
    "delivered": (True, False, False),
    "undelivered": (True, True, False),
    "unsent": (True, True, True),
    "sent": (False, False, False),
    "in_progress": (False, False, False),
    "saved": (False, False, False),
    "pending": (False, False, False),
}
PAGE = 500
log = logging.getLogger(__name__)


class SerwersmsGateway(Gateway):
    name = "serwersms"
    idempotent = False
    receives = True

    def __init__(self, cfg: GatewayConfig):
        if not cfg.token:
            raise ConfigError(_('[gateway] provider = "serwersms" needs token (or SMSREMIND_SMSAPI_TOKEN)'))
        self.cfg = cfg
        self.base = (cfg.base_url or HOST).rstrip("/")
        self.http = session(cfg.workers)
        self.http.headers["Authorization"] = f"Bearer {cfg.token}"

    def _call(self, action: str, body: dict[str, Any]) -> dict[str, Any] | Result:
        url, data = f"{self.base}/{action}.json", {**body, "system": "smsremind"}
        response = send(self.http, "POST", url, self.cfg.timeout, "SerwerSMS", json=data)
        if isinstance(response, Result):
            return response
        try:
            doc = response.json()
        except ValueError:
            doc = None
        if response.status_code != 200 or not isinstance(doc, dict):
            return Result(Outcome.UNKNOWN, reason=f"unreadable answer (HTTP {response.status_code})")
        return doc

    def send(self, sms: Sms, now: datetime, resend: bool = False) -> Result:
        body: dict[str, Any] = {"phone": sms.to, "text": sms.text, "unique_id": sms.key, "details": True}
        if sms.sender:  # none: SMS ECO+, which patients can answer
            body["sender"] = sms.sender
        doc = self._call("messages/send_sms", body)
        if isinstance(doc, Result):
            return doc
        if "error" in doc:
            return _error(doc["error"])
        items = doc.get("items") or []
        item = items[0] if items and isinstance(items[0], dict) else {}
        if item.get("status") == "queued" and item.get("id"):
            return Result(
                Outcome.ACCEPTED, gateway_id=str(item["id"]), parts=_int(item.get("parts")) or sms.parts
            )
        if item.get("status") == "unsent":
            code, message = item.get("error_code", ""), item.get("error_message", "not sent")
            return Result(Outcome.REJECTED, reason=f"SerwerSMS {code}: {message}")
        return Result(Outcome.UNKNOWN, reason=NO_STATUS)

    def lookup(self, sms: Sms) -> Result | None:
        """Does SerwerSMS hold a message with our unique_id?"""
        doc = self._call("messages/reports", {"unique_id": sms.key})
        if isinstance(doc, Result) or "error" in doc:
            return None
        for item in doc.get("items") or []:
            if item.get("unique_id") in (sms.key, None) and item.get("status") != "unsent" and item.get("id"):
                return Result(
                    Outcome.ACCEPTED,
                    gateway_id=str(item["id"]),
                    parts=_int(item.get("parts")) or sms.parts,
                    reason=FOUND_AFTER_UNCERTAIN,
                )
        return None

    def check(self) -> str:
        doc = self._call("account/limits", {"show_type": True})
        if isinstance(doc, Result):
            text = _("SerwerSMS did not answer at {url}: {reason}")
            raise GatewayError(text.format(url=self.base, reason=doc.reason))
        if "error" in doc:
            _error(doc["error"])
            raise GatewayError(_("SerwerSMS refused the account check: {error}").format(error=doc["error"]))
        limits = ", ".join(f"{i.get('type')} {i.get('value')}" for i in doc.get("items") or [])
        return _("SerwerSMS at {url}: token accepted; limits: {limits}").format(url=self.base, limits=limits)

    def delivery(self, gateway_id: str) -> Delivery | None:
        doc = self._call("messages/reports", {"id": gateway_id})
        if isinstance(doc, Result) or "error" in doc or not doc.get("items"):
            return None
        status = str(doc["items"][0].get("status", ""))
        final, failed, not_charged = STATUS.get(status, (False, False, False))
        return Delivery(status, final=final, failed=failed, not_charged=not_charged)

    def replies(self, since: datetime) -> list[Incoming]:
        """Every incoming SMS since ``since`` (all types), page by page, without marking them read."""
        found: list[Incoming] = []
        page, pages = 1, 1
        while page <= pages:
            body = {"date_from": since.astimezone(WARSAW).strftime(STAMP), "page": page, "limit": PAGE}
            doc = self._call("messages/recived", body)
            if isinstance(doc, Result) or "error" in doc:
                log.warning(N_("SerwerSMS: could not list incoming messages; the next run tries again"))
                return found
            found += [m for m in map(_incoming, doc.get("items") or []) if m is not None]
            pages = _int((doc.get("paging") or {}).get("count")) or 1
            page += 1
        return found

    def opt_outs(self) -> list[str] | None:
        doc = self._call("blacklist/index", {"page": 1, "limit": 10_000})
        if isinstance(doc, Result) or "error" in doc:
            return None
        return [str(i["phone"]) for i in doc.get("items") or [] if i.get("phone")]

    def close(self) -> None:
        self.http.close()


def _incoming(item: dict[str, Any]) -> Incoming | None:
    try:
        at = datetime.strptime(str(item["recived"]), STAMP).replace(tzinfo=WARSAW)
        phone, kind, number = str(item["phone"]), str(item.get("type") or ""), item["id"]
    except (KeyError, ValueError, TypeError):
        return None
    answers = str(item["message_id"]) if item.get("message_id") else None
    return Incoming(phone, str(item.get("text") or ""), at, gateway_id=f"{kind}-{number}", answers=answers)


def _error(error: Any) -> Result:
    code = _int(error.get("code")) if isinstance(error, dict) else None
    message = error.get("message", "") if isinstance(error, dict) else str(error)
    if code in FATAL:
        raise GatewayError(_("SerwerSMS {code}: {problem}").format(code=code, problem=_(FATAL[code])))
    return Result(Outcome.REJECTED, reason=f"SerwerSMS {code}: {message}")


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
