"""A local fake of Twilio's Programmable Messaging REST API (2010-04-01) for tests: real HTTP on 127.0.0.1.

Endpoints (everything needs HTTP Basic auth ``AccountSid:AuthToken``):

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` - create (send) a message; form fields
  ``To``, ``From`` and/or ``MessagingServiceSid``, ``Body`` (``StatusCallback`` is stored, never called)
* ``GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` - fetch one message
* ``GET  /2010-04-01/Accounts/{AccountSid}/Messages.json`` - list, newest first, filters ``To``,
  ``From``, ``DateSent``, ``DateSent<``, ``DateSent>`` (so ``?DateSent>=2024-05-01`` works as in the
  docs), paging ``PageSize`` (default 50, clamped to 1..1000) and ``Page`` (``PageToken`` is ignored)
* ``GET  /2010-04-01/Accounts/{AccountSid}.json`` - the Account resource

What Twilio documents and this fake does (sources: the Messages and Accounts resource pages, the
error pages https://www.twilio.com/docs/errors/NNNNN, the OpenAPI document behind them):

* A created message is answered **201** with the Message resource. ``num_segments`` and
  ``num_media`` are strings; ``error_code`` is an integer or null; dates are RFC 2822 in GMT;
  ``date_sent`` is null until the message is sent (see :meth:`FakeTwilio.set_status`).
* ``From`` and ``MessagingServiceSid`` may be given alone *or together* (error 21603 is only for
  neither). With a Messaging Service the message starts ``accepted`` and, as documented,
  ``num_segments`` is ``"0"`` (and ``from`` null when no ``From`` was given) until a sender is assigned,
  which here happens at the first :meth:`FakeTwilio.set_status` to a later status. Without one it
  starts ``queued``. :attr:`FakeTwilio.accepted` always carries the honest segment count.
* Segments: GSM-7 160 / 153 per part (extension-table characters ``^{}\\[~]|€`` and form feed take
  two septets and are never split across parts); anything else UCS-2, 70 / 67 UTF-16 code units
  per part (a surrogate pair is never split). Body up to 1600 characters (21617 above).
* No idempotency key: every accepted POST is a new message, also when it repeats an earlier one.
* Errors are ``{"code": N, "message": "...", "more_info": "https://www.twilio.com/docs/errors/N",
  "status": S}``; the codes and texts are in :data:`ERRORS`.

Faults for the client's error handling are queued with the ``*_next`` methods and apply to message
*creation* requests only (a GET never consumes one), in the order queued. Faults that refuse the
request (``fail_next``, ``rate_limit_next``, ``business_error_next``, ``drop_next``,
``garbage_next(accepted=False)``) act on the next authenticated create; faults that accept it
(``accept_then_hang_next``, ``accept_then_drop_next``, ``garbage_next()``) wait for the next create
that passes validation - an invalid one gets its normal 4xx and leaves the fault queued.

``accept_then_fail_next(503)`` processes the create and then answers the error: Twilio's page for
20503 ("Service unavailable") does not promise the request was not processed, unlike 20429's.
Status fetches (``GET .../Messages/{Sid}.json``) take their own faults, :meth:`FakeTwilio.fail_fetch_next`
(e.g. 429); :meth:`FakeTwilio.forget` deletes a message, whose fetch then answers 404 (20404).

``delay`` and the hang of ``accept_then_hang_next`` happen *after* the request was processed, so a
client that times out during them has had its message accepted. Each connection is served by its own
thread, so a slow answer never holds up the others; :meth:`FakeTwilio.stop` cuts every wait short.
``fail_next`` without a body and ``rate_limit_next`` answer Twilio's error JSON; ``garbage_next``
answers :data:`GARBAGE` (status 201 when the message was accepted, else 200).

The server plumbing (lifecycle, request log, fault queue) is :mod:`tests.fakeserver`'s.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import re
import secrets
import time
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from tests.fakes.fakeserver import Fault, FaultyFakeServer, Reply, content_type_of, header

__all__ = ["DEFAULT_ACCOUNT_SID", "DEFAULT_SERVICE_SID", "ERRORS", "STATUSES", "FakeTwilio", "segments"]

DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_SERVICE_SID = "MG" + "1" * 32
API_VERSION = "2010-04-01"
ROOT = f"/{API_VERSION}/Accounts/"
MAX_BODY = 1600

# code: (HTTP status, message). Messages are the error pages' titles, or the API's own wording where
# Twilio's docs quote an actual response (21211: "Debugging calls to the REST API"). {to}, {from_},
# {path} are filled in from the request.
ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20004: (405, "Method not allowed"),
    20404: (404, "The requested resource {path} was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    20503: (503, "Service unavailable"),
    21211: (400, "The 'To' number {to} is not a valid phone number."),
    21212: (
        400,
        "The 'From' number {from_} is not a valid phone number, shortcode, or alphanumeric sender ID.",
    ),
    21408: (
        400,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}.",
    ),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' or 'MessagingServiceSid' parameter is required to send a message"),
    21604: (400, "'To' phone number is required to send a Message"),
    21606: (
        400,
        "The 'From' phone number provided is not a valid message-capable Twilio phone number "
        "for this destination/account",
    ),
    21608: (400, "The 'to' phone number provided is not yet verified for this account."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21612: (400, "The 'To' phone number is not currently reachable via SMS"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit"),
    21701: (400, "The Messaging Service does not exist"),
    21705: (400, "The Messaging Service is invalid"),
}
# fail_next(status): the error code Twilio uses for that HTTP status; others get the status itself.
_STATUS_CODES = {401: 20003, 404: 20404, 405: 20004, 429: 20429, 500: 20500, 503: 20503}

# Delivery error texts for set_status(..., error_code=...); the docs say not to rely on them.
DELIVERY_ERRORS = {
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Carrier violation",
    30008: "Unknown error",
}

STATUSES = (
    "queued",
    "sending",
    "sent",
    "failed",
    "delivered",
    "undelivered",
    "receiving",
    "received",
    "accepted",
    "scheduled",
    "read",
    "partially_delivered",
    "canceled",
)
_UNASSIGNED = ("accepted", "scheduled", "canceled")  # Messaging Service has not picked a sender yet
_WENT_OUT = ("sending", "sent", "delivered", "undelivered", "read", "partially_delivered")

# 3GPP TS 23.038 default alphabet (ESC left out) and its extension table (two septets each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_E164 = re.compile(r"\+[1-9]\d{6,14}")
_SENDER_NUMBER = re.compile(r"\+[1-9]\d{1,14}|\d{3,8}")  # E.164 or a short code
_ALPHANUMERIC = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 +\-_&]{1,11}")
_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")
_ACCOUNT_PATH = re.compile(r"/2010-04-01/Accounts/(?P<account>[^/]+)\.json")
_MESSAGES_PATH = re.compile(r"/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json")
_MESSAGE_PATH = re.compile(r"/2010-04-01/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json")

GARBAGE = b"<html><head><title>Twilio</title></head><body>OK</body></html>"


def _units(text: str) -> tuple[list[int], int, int]:
    """Per-character sizes and the (single, per-part) limits of the encoding Twilio would use."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text], 160, 153
    return [len(ch.encode("utf-16-le")) // 2 for ch in text], 70, 67


def segments(text: str) -> int:
    """How many SMS parts Twilio bills for ``text`` (see the module docstring)."""
    sizes, single, per_part = _units(text)
    if sum(sizes) <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return parts


def _rfc2822(moment: datetime | None) -> str | None:
    return None if moment is None else format_datetime(moment)


def _parse_when(value: str) -> date | datetime | None:
    """A DateSent filter value: YYYY-MM-DD, ISO 8601 or RFC 2822 (naive = UTC); None if unreadable."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
        return None
    moment: datetime | None = None
    with contextlib.suppress(ValueError):
        moment = datetime.fromisoformat(value)
    if moment is None:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            moment = parsedate_to_datetime(value)
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _error(code: int, status: int | None = None, **fields: str) -> Reply:
    known_status, template = ERRORS.get(code, (status or 400, HTTPStatus(status or 400).phrase))
    status = status or known_status
    body = {
        "code": code,
        "message": template.format(**{"to": "", "from_": "", "path": "", **fields}),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Reply(status, body)


class FakeTwilio(FaultyFakeServer):
    """Fake Twilio on ``127.0.0.1:<free port>``; use as a context manager (or ``start()``/``stop()``).

    ``accepted`` lists every message Twilio took, in order: ``id`` (the ``SM…`` sid), ``to``,
    ``text``, ``sender`` (``From``, or the ``MessagingServiceSid`` when no ``From`` was given),
    ``key`` (always None: Twilio has no idempotency key), ``parts`` (honest segment count) and
    ``at`` (``time.monotonic()``).

    ``requests`` lists every request, in order: ``method``, ``path`` (as sent, with the query),
    ``headers``, ``form`` (the decoded form body), ``params`` (the decoded query), ``body`` (raw
    body text), ``status`` (None for a dropped connection), ``response`` (the answer body),
    ``fault`` (the fault that shaped the answer, or None), ``sid`` (of a message it created, or
    None), ``t_start`` and ``t_end`` (``time.monotonic()``, ``t_end`` once answered or dropped).

    ``invalid_numbers``, ``landline_numbers`` and ``unsubscribed`` are sets of ``To`` numbers that
    get 21211, 21614 and 21610. ``senders`` are the account's ``From`` values (numbers or
    alphanumeric IDs, also the Messaging Services' sender pool); ``service_sids`` its Messaging
    Services.
    """

    garbage_body = GARBAGE

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = "token",
        senders: tuple[str, ...] = ("Gabinet", "+48500000000"),
        service_sids: tuple[str, ...] = (DEFAULT_SERVICE_SID,),
    ):
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.senders = tuple(senders)
        self.service_sids = tuple(service_sids)
        self.accepted: list[dict[str, Any]] = []
        self.invalid_numbers: set[str] = set()
        self.landline_numbers: set[str] = set()
        self.unsubscribed: set[str] = set()
        self.created_at = datetime.now(UTC).replace(microsecond=0)
        self._messages: dict[str, dict[str, Any]] = {}
        self._sequence = 0
        self._fetch_faults: list[int] = []  # HTTP statuses the next status fetches answer

    @property
    def auth(self) -> tuple[str, str]:
        """The good Basic credentials: (AccountSid, AuthToken)."""
        return (self.account_sid, self.auth_token)

    # --- control ---------------------------------------------------------------------------

    def receive(self, sender: str, body: str, to: str = "+48500000000", at: datetime | None = None) -> str:
        """A patient's SMS to our number ``to``: an inbound message (status ``received``) that the
        list shows with ``direction`` ``inbound``; returns its SID."""
        moment = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        with self._lock:
            self._sequence += 1
            sid = "SM" + secrets.token_hex(16)
            self._messages[sid] = {
                "sid": sid,
                "sequence": self._sequence,
                "to": to,
                "from": sender,
                "messaging_service_sid": None,
                "body": body,
                "parts": segments(body),
                "status": "received",
                "direction": "inbound",
                "date_created": moment,
                "date_updated": moment,
                "date_sent": moment,
                "error_code": None,
                "error_message": None,
                "status_callback": None,
            }
        return sid

    def fail_next(self, status: int = 500, times: int = 1, body: Any = None) -> None:
        """The next ``times`` creates get HTTP ``status`` and are not accepted. ``body`` None gives
        Twilio's error JSON (code 20500 for 500, 20503 for 503, 20429 for 429, 20003 for 401,
        20404 for 404, else the status itself); a dict/list is sent as JSON, a str/bytes as text."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        super().fail_next(status, times, body)

    def accept_then_fail_next(self, status: int = 503, times: int = 1) -> None:
        """The next ``times`` valid creates are processed (the message accepted), then answered HTTP
        ``status`` with Twilio's error JSON (20503 for 503), as if the service failed afterwards."""
        if not 500 <= status <= 599:
            raise ValueError("status must be a 5xx status")
        self._queue(Fault("accept_fail", times, status=status))

    def fail_fetch_next(self, status: int = 429, times: int = 1) -> None:
        """The next ``times`` status fetches of a message get HTTP ``status`` with Twilio's error JSON."""
        if not 400 <= status <= 599 or times < 1:
            raise ValueError("status must be 400-599 and times >= 1")
        with self._lock:
            self._fetch_faults += [status] * times

    def forget(self, sid: str) -> None:
        """Delete message ``sid`` (Twilio's DELETE on the Message resource): fetching it answers 404."""
        with self._lock:
            del self._messages[sid]

    def business_error_next(self, code: int, times: int = 1) -> None:
        """The next ``times`` creates get the documented answer for Twilio error ``code`` (a key of
        :data:`ERRORS` with a 4xx status, e.g. 21211, 21610, 21614, 20003) and are not accepted."""
        if code not in ERRORS or not 400 <= ERRORS[code][0] < 500:
            known = sorted(c for c, (s, _) in ERRORS.items() if 400 <= s < 500)
            raise ValueError(f"unknown 4xx Twilio error code {code}; known: {known}")
        self._queue(Fault("business", times, code=code))

    def set_status(self, sid: str, status: str, error_code: int | None = None) -> None:
        """Move message ``sid`` to ``status`` (e.g. queued -> sending -> sent -> delivered, or
        undelivered/failed with an ``error_code`` such as 30003). ``date_sent`` is set on the first
        move to sending/sent/delivered/undelivered/read; a Messaging Service message gets its sender
        and its ``num_segments`` on the first move past ``accepted``."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; one of {STATUSES}")
        with self._lock:
            if sid not in self._messages:
                raise KeyError(f"no message {sid!r}")
            message = self._messages[sid]
            now = datetime.now(UTC).replace(microsecond=0)
            message["status"] = status
            message["date_updated"] = now
            if status in _WENT_OUT and message["date_sent"] is None:
                message["date_sent"] = now
            if status not in _UNASSIGNED and message["from"] is None:
                message["from"] = self._pool_sender()
            message["error_code"] = error_code
            message["error_message"] = (
                None if error_code is None else DELIVERY_ERRORS.get(error_code, f"Error {error_code}")
            )

    # --- internals -------------------------------------------------------------------------

    def _pool_sender(self) -> str | None:
        numbers = [s for s in self.senders if _E164.fullmatch(s)]
        pool = numbers or list(self.senders)
        return pool[0] if pool else None

    def _serve(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[dict[str, Any], Reply]:
        split = urlsplit(raw_path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        form: dict[str, str] = {}
        content_type = header(headers, "content-type").split(";")[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        entry: dict[str, Any] = {
            "method": method,
            "path": raw_path,
            "headers": headers,
            "form": form,
            "params": params,
            "body": raw.decode("utf-8", "replace"),
            "status": None,
            "response": None,
            "fault": None,
            "sid": None,
        }

        def answer() -> Reply:
            with self._lock:
                reply = self._route(method, unquote(split.path), headers, form, params, entry)
                reply.wait += self._delay  # after processing, like a hang
            return reply

        return self._logged(entry, answer)

    def _route(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        form: dict[str, str],
        params: dict[str, str],
        entry: dict[str, Any],
    ) -> Reply:
        refused = self._check_auth(headers)
        if refused is not None:
            return refused
        for pattern, allowed in (
            (_ACCOUNT_PATH, ("GET",)),
            (_MESSAGES_PATH, ("GET", "POST")),
            (_MESSAGE_PATH, ("GET",)),
        ):
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if match["account"] != self.account_sid:
                return _error(20404, path=path)
            if method not in allowed:
                return _error(20004)
            if pattern is _ACCOUNT_PATH:
                return Reply(200, self._account())
            if pattern is _MESSAGE_PATH:
                if self._fetch_faults:
                    status = self._fetch_faults.pop(0)
                    entry["fault"] = "fail_fetch"
                    return _error(_STATUS_CODES.get(status, status), status)
                message = self._messages.get(match["sid"])
                return _error(20404, path=path) if message is None else Reply(200, self._resource(message))
            return self._create(form, entry) if method == "POST" else self._list(path, params)
        return _error(20404, path=path)

    def _check_auth(self, headers: dict[str, str]) -> Reply | None:
        scheme, _, encoded = header(headers, "authorization").strip().partition(" ")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        user, colon, password = decoded.partition(":")
        good = (
            scheme.lower() == "basic"
            and colon == ":"
            and hmac.compare_digest(user.encode(), self.account_sid.encode())
            and hmac.compare_digest(password.encode(), self.auth_token.encode())
        )
        return None if good else _error(20003)

    def _validate(self, form: dict[str, str]) -> Reply | None:
        to = form.get("To") or ""
        sender = form.get("From") or ""
        service = form.get("MessagingServiceSid") or ""
        body = form.get("Body") or ""
        if not to:
            return _error(21604)
        if not sender and not service:
            return _error(21603)
        if service and not _SERVICE_SID.fullmatch(service):
            return _error(21705)
        if service and service not in self.service_sids:
            return _error(21701)
        if sender and not (_SENDER_NUMBER.fullmatch(sender) or _ALPHANUMERIC.fullmatch(sender)):
            return _error(21212, from_=sender)
        if sender and sender not in self.senders:
            return _error(21606)
        if not body:  # MediaUrl / ContentSid (MMS, templates) are not faked
            return _error(21602)
        if len(body) > MAX_BODY:
            return _error(21617)
        if not _E164.fullmatch(to) or to in self.invalid_numbers:
            return _error(21211, to=to)
        if to in self.landline_numbers:
            return _error(21614)
        if to in self.unsubscribed:
            return _error(21610)
        return None

    def _create(self, form: dict[str, str], entry: dict[str, Any]) -> Reply:
        fault = self._take_fault(accepting=False)
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.kind == "business":
                return _error(fault.code, to=form.get("To", ""), from_=form.get("From", ""))
            return self._refusal(fault)
        refused = self._validate(form)
        if refused is not None:
            return refused
        message = self._store(form)
        entry["sid"] = message["sid"]
        reply = Reply(201, self._resource(message))
        fault = self._take_fault(accepting=True)
        if fault is None:
            return reply
        entry["fault"] = fault.kind
        if fault.kind == "hang":
            reply.wait = fault.seconds
        elif fault.kind == "accept_drop":
            reply.status, reply.body = None, None
        elif fault.kind == "accept_fail":
            reply = self._fail_reply(fault)
        else:  # garbage, accepted
            reply = self._garbage_reply(201)
        return reply

    def _fail_reply(self, fault: Fault) -> Reply:
        if fault.body is None:
            return _error(_STATUS_CODES.get(fault.status, fault.status), fault.status)
        return Reply(fault.status, fault.body, content_type_of(fault.body))

    def _rate_limit_reply(self, fault: Fault) -> Reply:
        return _error(20429)

    def _store(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = datetime.now(UTC).replace(microsecond=0)
        service = form.get("MessagingServiceSid") or None
        body = form["Body"]
        parts = segments(body)
        self._sequence += 1
        message = {
            "sid": sid,
            "sequence": self._sequence,
            "to": form["To"],
            "from": form.get("From") or None,
            "messaging_service_sid": service,
            "body": body,
            "parts": parts,
            "status": "accepted" if service else "queued",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "status_callback": form.get("StatusCallback"),
        }
        self._messages[sid] = message
        self.accepted.append(
            {
                "id": sid,
                "to": message["to"],
                "text": body,
                "sender": message["from"] or service,
                "key": None,
                "parts": parts,
                "at": time.monotonic(),
            }
        )
        return message

    def _resource(self, message: dict[str, Any]) -> dict[str, Any]:
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message['sid']}"
        unassigned = message["messaging_service_sid"] is not None and message["status"] in _UNASSIGNED
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": message["body"],
            "date_created": _rfc2822(message["date_created"]),
            "date_sent": _rfc2822(message["date_sent"]),
            "date_updated": _rfc2822(message["date_updated"]),
            "direction": message.get("direction", "outbound-api"),
            "error_code": message["error_code"],
            "error_message": message["error_message"],
            "from": message["from"],
            "messaging_service_sid": message["messaging_service_sid"],
            "num_media": "0",
            "num_segments": "0" if unassigned else str(message["parts"]),
            "price": None,
            "price_unit": None,
            "sid": message["sid"],
            "status": message["status"],
            "subresource_uris": {"media": f"{base}/Media.json"},
            "to": message["to"],
            "uri": f"{base}.json",
        }

    def _account(self) -> dict[str, Any]:
        base = f"/{API_VERSION}/Accounts/{self.account_sid}"
        return {
            "auth_token": self.auth_token,
            "date_created": _rfc2822(self.created_at),
            "date_updated": _rfc2822(self.created_at),
            "friendly_name": "FakeTwilio test account",
            "owner_account_sid": self.account_sid,
            "sid": self.account_sid,
            "status": "active",
            "subresource_uris": {
                "balance": f"{base}/Balance.json",
                "incoming_phone_numbers": f"{base}/IncomingPhoneNumbers.json",
                "messages": f"{base}/Messages.json",
            },
            "type": "Full",
            "uri": f"{base}.json",
        }

    def _list(self, path: str, params: dict[str, str]) -> Reply:
        filters = [
            (name, params[name])
            for name in ("To", "From", "DateSent", "DateSent<", "DateSent>")
            if name in params
        ]
        dates: dict[str, date | datetime] = {}
        for name, value in filters:
            if name.startswith("DateSent"):
                when = _parse_when(value)
                if when is None:
                    return Reply(
                        400,
                        {
                            "code": 400,
                            "message": f"Invalid value {value!r} for {name}",
                            "more_info": "https://www.twilio.com/docs/errors/400",
                            "status": 400,
                        },
                    )
                dates[name] = when
        try:
            page_size = min(max(int(params.get("PageSize", "50")), 1), 1000)
        except ValueError:
            page_size = 50
        try:
            page = max(int(params.get("Page", "0")), 0)
        except ValueError:
            page = 0

        def wanted(message: dict[str, Any]) -> bool:
            if "To" in params and message["to"] != params["To"]:
                return False
            if "From" in params and message["from"] != params["From"]:
                return False
            if not dates:
                return True
            sent = message["date_sent"]
            if sent is None:
                return False
            for name, when in dates.items():
                if isinstance(when, datetime):
                    exact, before, after = sent.date() == when.date(), sent <= when, sent >= when
                else:
                    day = sent.date()
                    exact, before, after = day == when, day <= when, day >= when
                if not {"DateSent": exact, "DateSent<": before, "DateSent>": after}[name]:
                    return False
            return True

        found = sorted(
            (m for m in self._messages.values() if wanted(m)),
            key=lambda m: (m["date_sent"] or m["date_created"], m["sequence"]),
            reverse=True,
        )
        start = page * page_size
        items = found[start : start + page_size]

        def uri(number: int, token: str | None = None) -> str:
            query = [*filters, ("PageSize", str(page_size)), ("Page", str(number))]
            if token:
                query.append(("PageToken", token))
            return f"{path}?{urlencode(query)}"

        more = start + page_size < len(found)
        body = {
            "end": start + len(items) - 1 if items else start,
            "first_page_uri": uri(0),
            "messages": [self._resource(m) for m in items],
            "next_page_uri": uri(page + 1, f"PA{items[-1]['sid']}") if more and items else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "start": start,
            "uri": uri(page),
        }
        return Reply(200, body)
