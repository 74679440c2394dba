"""SMSAPI.pl (Poland): POST /sms.do with a Bearer token, JSON answers.

Exactly once: our message id goes out as ``idx`` with ``check_idx=1``; SMSAPI
refuses a second message with the same idx "in last 24h" (error 53), which
therefore means "already accepted".  That makes an uncertain outcome safe to
retry within :attr:`SmsapiGateway.key_window`, and only then.

Business errors arrive as HTTP 200 with ``{"error": N, "message": ...}``.
``error`` is a number on ``sms.do`` but a word on SMSAPI's REST endpoints
(``"not_found"``), so an answer we cannot read is UNKNOWN, never a crash.
``details=1`` makes SMSAPI say how many parts it billed (per item, or at the
top level in older answers), and that is what the quota charges.

Patients' answers reach SMSAPI only by callback (a web server we don't
have): nothing can be polled.  What can be read is the account's blacklist
(``GET /blacklist/phone_numbers``), which :meth:`opt_outs` hands to our
opt-out list where the token may read it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import requests

from smsremind.config import Gateway as GatewayConfig
from smsremind.errors import ConfigError, GatewayError
from smsremind.i18n import N_, _
from smsremind.sending.gateways.base import Delivery, Gateway, Outcome, Result, Sms
from smsremind.sending.gateways.http import json_object, request, send, session

HOSTS = {"pl": "https://api.smsapi.pl", "com": "https://api.smsapi.com"}
ALREADY_SENT = 53
CREDENTIALS = {
    101: N_("authorization failed"),
    102: N_("wrong login or password"),
    105: N_("this IP address is not allowed"),
}
OUT_OF_POINTS = 103
SENDER_UNKNOWN = 14
TRANSIENT = {200, 201, 202, 203, 999}
# Delivery statuses: only QUEUE and SENT may still change (isFinal() of SMSAPI's Java and C#
# clients); every other one is final, UNKNOWN and NOT_FOUND included, and is not asked again.
PENDING = {"QUEUE", "SENT"}
FAILED = {"UNDELIVERED", "FAILED", "EXPIRED", "STOP", "REJECTED"}
NO_POLLING = N_(
    "answers reach SMSAPI only by callback: they cannot be fetched; its blacklist is read instead"
)
PAGE = 100
log = logging.getLogger(__name__)


class SmsapiGateway(Gateway):
    name = "smsapi"
    idempotent = True
    # SMSAPI's OpenAPI document, /sms.do: check_idx "prevents from sending more than one message
    # with the same idx in last 24h".
    key_window = timedelta(hours=24)

    def __init__(self, cfg: GatewayConfig):
        if not cfg.token:
            raise ConfigError(_('[gateway] provider = "smsapi" needs token (or SMSREMIND_SMSAPI_TOKEN)'))
        self.base = (cfg.base_url or HOSTS[cfg.smsapi_domain]).rstrip("/")
        self.timeout = cfg.timeout
        self.http = session(cfg.workers)
        self.http.headers["Authorization"] = f"Bearer {cfg.token}"

    def _post(self, data: dict[str, str]) -> Result | dict[str, Any]:
        response = send(self.http, "POST", f"{self.base}/sms.do", self.timeout, "SMSAPI", data=data)
        if isinstance(response, Result):
            return response
        doc = json_object(response)
        return doc if doc is not None else _unreadable(f"HTTP {response.status_code}, not a JSON object")

    def send(self, sms: Sms, now: datetime, resend: bool = False) -> Result:
        doc = self._post(
            {
                "to": sms.to.lstrip("+"),
                "message": sms.text,
                "from": sms.sender,
                "format": "json",
                "encoding": "utf-8",
                "details": "1",
                "idx": sms.key,
                "check_idx": "1",
            }
        )
        if isinstance(doc, Result):
            return doc
        if doc.get("error"):
            code = _code(doc["error"])
            if code is None:
                return _unreadable(f"error {doc['error']!r}: {doc.get('message', '')}")
            return self._error(code, str(doc.get("message", "")), sms)
        try:
            item = doc["list"][0]
            gateway_id = str(item["id"])
        except (KeyError, IndexError, TypeError):
            return _unreadable("no message id in the answer")
        parts = _parts(item) or _parts(doc)
        return Result(Outcome.ACCEPTED, gateway_id=gateway_id, parts=parts or sms.parts)

    def _error(self, code: int, message: str, sms: Sms) -> Result:
        if code == ALREADY_SENT:  # an earlier attempt with this idx got through
            return Result(Outcome.ACCEPTED, parts=sms.parts, reason="already accepted (idx)")
        if code in CREDENTIALS:
            raise _credentials(code)
        if code == OUT_OF_POINTS:
            raise GatewayError(_("SMSAPI: the account has no points left (103); top it up at smsapi.pl"))
        if code == SENDER_UNKNOWN:
            text = _("SMSAPI: sender name {sender} is not registered (14); check [gateway] sender")
            raise GatewayError(text.format(sender=repr(sms.sender)))
        if code in TRANSIENT:
            return Result(Outcome.TRANSIENT, reason=f"SMSAPI {code}: {message}")
        return Result(Outcome.REJECTED, reason=f"SMSAPI {code}: {message}")

    def check(self) -> str:
        doc = self._post({"to": "48500000000", "message": "test", "format": "json", "test": "1"})
        if isinstance(doc, Result):
            text = _("SMSAPI did not answer at {url}: {reason}")
            raise GatewayError(text.format(url=self.base, reason=doc.reason))
        if doc.get("error"):
            code = _code(doc["error"])
            if code in CREDENTIALS:
                raise _credentials(code)
            if code != 13:  # the test number itself may be refused; the token was fine
                text = _("SMSAPI test message refused: {error}: {message}")
                raise GatewayError(text.format(error=doc["error"], message=doc.get("message", "")))
        text = _("SMSAPI at {url}: token accepted (test message, nothing sent); {replies}")
        return text.format(url=self.base, replies=_(NO_POLLING))

    def delivery(self, gateway_id: str) -> Delivery | None:
        """The status of one message; any answer that is not a status is "no report this time"."""
        url = f"{self.base}/sms.do"
        params = {"status": gateway_id, "format": "json"}
        response = request(self.http, "GET", url, self.timeout, "SMSAPI", params=params)
        if isinstance(response, Result) or response.status_code != 200:
            return None
        try:
            status = response.json()["list"][0]["status"]
        except (ValueError, KeyError, IndexError, TypeError):
            return None
        if not isinstance(status, str) or not status:
            return None
        status = status.upper()
        return Delivery(status.lower(), final=status not in PENDING, failed=status in FAILED)

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
                allow_redirects=False,  # a redirect is no list (see gateways.http)
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


def _code(value: object) -> int | None:
    """SMSAPI's error code as an int ("103" too); None for a word such as "not_found"."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _parts(doc: object) -> int | None:
    """The billed ``parts`` of an answer item (or of the answer), if it gives a usable one."""
    value = doc.get("parts") if isinstance(doc, dict) else None
    code = _code(value) if value is not None else None
    return code if code is not None and code > 0 else None


def _credentials(code: int) -> GatewayError:
    text = _("SMSAPI: {problem} ({code}); check [gateway] token")
    return GatewayError(text.format(problem=_(CREDENTIALS[code]), code=code))


def _unreadable(what: str) -> Result:
    return Result(Outcome.UNKNOWN, reason=f"SMSAPI answered something unreadable ({what})")
