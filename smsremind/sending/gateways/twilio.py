"""Twilio Programmable Messaging: POST Accounts/{Sid}/Messages.json, Basic auth.

Twilio has no idempotency key: a repeated request sends a second SMS.  So an
uncertain outcome (a timeout after the request went out, a dropped
connection) is UNKNOWN and never retried; :meth:`lookup` then looks for the
message among the recipient's newest ones (To + Body) so that one that did
get through is recorded as sent and charged.  Retried are only the failures
that certainly were not processed: anything before the request was written
(DNS, connect, TLS handshake, proxy) and 429/20429 ("Requests that receive
429 responses aren't processed and are safe to retry").  Every 5xx after the
request went out is UNKNOWN: Twilio's page for 20500 warns the message may
have been sent, and the one for 20503 ("Service unavailable") promises
nothing either way.

A status fetch that does not answer 2xx is "no report this time"; a 404
means the message is gone (final, "not-found").

Patients' answers are listed, not pushed: ``GET Messages.json?To=<our
number>&DateSent>=<GMT date>``, every page (``next_page_uri``), keeping
``direction = inbound``; the SID makes each answer stored once.  An inbound
message names no message it answers: it is matched by number and time.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from smsremind.config import Gateway as GatewayConfig
from smsremind.errors import ConfigError, GatewayError
from smsremind.i18n import N_, _
from smsremind.replies.inbox import Incoming
from smsremind.rules.reasons import FOUND_AFTER_UNCERTAIN
from smsremind.sending.gateways.base import Delivery, Gateway, Outcome, Result, Sms
from smsremind.sending.gateways.http import json_object, request, session, wait_of

HOST = "https://api.twilio.com"
REJECTED = {
    21211: "invalid 'To' number",
    21614: "'To' is not a mobile number",
    21610: "the recipient has unsubscribed (STOP)",
    21408: "no permission to send to this region",
}
CONFIG = {  # said to people (the run stops), in their language
    20003: N_("authentication failed; check account_sid and auth_token"),
    21606: N_("the 'From' number cannot send SMS"),
    21212: N_("invalid 'From' number"),
    21603: N_("a 'From' number or messaging_service_sid is required"),
    21604: N_("a 'To' number is required"),
    20404: N_("account or messaging service not found"),
}
FINAL = {"delivered", "undelivered", "failed", "canceled", "read"}
# MessageInstance.Status of twilio-python: anything else is not a delivery state.
STATUSES = FINAL | {
    "queued",
    "sending",
    "sent",
    "receiving",
    "received",
    "accepted",
    "scheduled",
    "partially_delivered",
}
MAX_PAGES = 50  # of 1000: a bound on one run's listing
log = logging.getLogger(__name__)


class TwilioGateway(Gateway):
    name = "twilio"
    idempotent = False

    receives = True

    def __init__(self, cfg: GatewayConfig, numbers: tuple[str, ...] = ()):
        if not cfg.account_sid or not cfg.auth_token:
            raise ConfigError(
                _(
                    '[gateway] provider = "twilio" needs account_sid and auth_token '
                    "(or SMSREMIND_TWILIO_AUTH_TOKEN)"
                )
            )
        self.cfg = cfg
        self.base = f"{(cfg.base_url or HOST).rstrip('/')}/2010-04-01/Accounts/{cfg.account_sid}"
        self.timeout = cfg.timeout
        self.http = session(cfg.workers)
        self.http.auth = (cfg.account_sid, cfg.auth_token)
        self.numbers = numbers  # our numbers patients answer to ((): all of the account's)

    def send(self, sms: Sms, now: datetime, resend: bool = False) -> Result:
        data = {"To": sms.to, "Body": sms.text}
        if self.cfg.messaging_service_sid:
            data["MessagingServiceSid"] = self.cfg.messaging_service_sid
        else:
            data["From"] = sms.sender
        response = self._request("POST", f"{self.base}/Messages.json", data=data)
        if isinstance(response, Result):
            return response
        doc = json_object(response)
        if response.status_code in (200, 201) and isinstance(doc, dict) and doc.get("sid"):
            # num_segments is "0" until a Messaging Service has picked a sender: keep ours then.
            return Result(
                Outcome.ACCEPTED, gateway_id=str(doc["sid"]), parts=_int(doc.get("num_segments")) or None
            )
        code = (_int(doc.get("code")) or 0) if doc is not None else 0
        if response.status_code in (200, 201) or (doc is None and response.status_code < 400):
            return Result(Outcome.UNKNOWN, reason=f"unreadable answer (HTTP {response.status_code})")
        return self._error(response, code, doc)

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response | Result:
        return request(self.http, method, url, self.timeout, "Twilio", **kwargs)

    def _error(self, response: requests.Response, code: int, doc: object) -> Result:
        # the legacy error body says "message"; the RFC 9457 one "detail" (twilio-python Version.exception)
        message = str(doc.get("message") or doc.get("detail") or "") if isinstance(doc, dict) else ""
        if code == 20429 or response.status_code == 429:
            wait = wait_of(response.headers.get("Retry-After"))
            return Result(Outcome.TRANSIENT, reason="rate limited by Twilio (20429)", retry_after=wait)
        if response.status_code >= 500:
            return Result(
                Outcome.UNKNOWN,
                reason=f"Twilio {response.status_code}: it may have sent the message",
            )
        if code in CONFIG or response.status_code == 401:
            problem = _(CONFIG[code]) if code in CONFIG else message
            text = _("Twilio {code}: {problem}")
            raise GatewayError(text.format(code=code or response.status_code, problem=problem))
        if code in REJECTED:
            return Result(Outcome.REJECTED, reason=f"Twilio {code}: {REJECTED[code]}")
        return Result(
            Outcome.REJECTED, reason=f"Twilio {code or response.status_code}: {message}".rstrip(": ")
        )

    def lookup(self, sms: Sms) -> Result | None:
        """Find our message among the recipient's newest messages (same To and Body)."""
        params = {"To": sms.to, "PageSize": "50"}
        response = self._request("GET", f"{self.base}/Messages.json", params=params)
        if isinstance(response, Result) or response.status_code != 200:
            return None
        try:
            messages = list(response.json().get("messages", []))
        except (ValueError, AttributeError, TypeError):
            return None
        for doc in messages:
            if not isinstance(doc, dict):
                continue
            if doc.get("body") == sms.text and doc.get("status") not in ("failed", "canceled"):
                return Result(
                    Outcome.ACCEPTED,
                    gateway_id=str(doc.get("sid")),
                    parts=_int(doc.get("num_segments")) or None,
                    reason=FOUND_AFTER_UNCERTAIN,
                )
        return None

    def check(self) -> str:
        response = self._request("GET", f"{self.base}.json")
        if isinstance(response, Result):
            raise GatewayError(_("Twilio did not answer: {reason}").format(reason=response.reason))
        if response.status_code != 200:
            text = _("Twilio refused the account check (HTTP {status}); check account_sid and auth_token")
            raise GatewayError(text.format(status=response.status_code))
        doc = json_object(response)
        if doc is None:
            text = _("Twilio answered the account check with something unreadable ({url})")
            raise GatewayError(text.format(url=self.base))
        name, state = doc.get("friendly_name", self.cfg.account_sid), doc.get("status", "?")
        return _("Twilio account {name} ({state})").format(name=name, state=state)

    def delivery(self, gateway_id: str) -> Delivery | None:
        response = self._request("GET", f"{self.base}/Messages/{gateway_id}.json")
        if isinstance(response, Result):
            return None
        if response.status_code == 404:  # deleted, or never ours: nothing more will come
            return Delivery("not-found", final=True)
        if not 200 <= response.status_code < 300:  # 429, 5xx, ...: no report this time
            return None
        status = (json_object(response) or {}).get("status")
        if status not in STATUSES:
            return None
        failed = status in ("undelivered", "failed", "canceled")
        return Delivery(
            status, final=status in FINAL, failed=failed, not_charged=status in ("failed", "canceled")
        )

    def replies(self, since: datetime) -> list[Incoming]:
        """Inbound messages sent since ``since``'s GMT day, to each of our numbers."""
        day = since.astimezone(UTC).date().isoformat()
        found: list[Incoming] = []
        for number in self.numbers or (None,):
            params = {"DateSent>": day, "PageSize": "1000", **({"To": number} if number else {})}
            found += self._inbound(f"{self.base}/Messages.json", params)
        return found

    def _inbound(self, url: str, params: dict[str, str] | None) -> list[Incoming]:
        found: list[Incoming] = []
        host = (self.cfg.base_url or HOST).rstrip("/")
        for _page in range(MAX_PAGES):
            try:
                # a redirect is no listing (see gateways.http)
                response = self.http.get(url, params=params, timeout=self.timeout, allow_redirects=False)
                doc = response.json() if response.status_code == 200 else None
            except (requests.RequestException, ValueError):
                doc = None
            if not isinstance(doc, dict):  # what was read is kept; the next run reads again
                log.warning(N_("Twilio: could not list incoming messages; the next run tries again"))
                return found
            found += [m for m in map(_answer, doc.get("messages") or []) if m is not None]
            next_uri = doc.get("next_page_uri")
            if not next_uri:
                break
            url, params = f"{host}{next_uri}", None
        return found

    def close(self) -> None:
        self.http.close()


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _answer(doc: dict) -> Incoming | None:
    if doc.get("direction") != "inbound" or not doc.get("from") or not doc.get("sid"):
        return None
    try:
        at = parsedate_to_datetime(str(doc.get("date_sent") or doc.get("date_created")))
    except (TypeError, ValueError):
        return None
    return Incoming(
        str(doc["from"]), str(doc.get("body") or ""), at, gateway_id=str(doc["sid"]), to=doc.get("to")
    )
