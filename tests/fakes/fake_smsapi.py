"""A local fake of SMSAPI.pl's ``sms.do`` HTTP API for tests: real HTTP on 127.0.0.1.

The real hosts are ``https://api.smsapi.pl`` and ``https://api.smsapi.com`` (two separate
platforms: a token of one is refused by the other). Here the base URL is :attr:`FakeSmsapi.url`.

Endpoints
---------

``/sms.do`` (GET or POST; parameters from the query string and from a form-encoded body, or a JSON
object body; body values win over query values):

* without ``status``: send a message (see below);
* with ``status=<id>[|<id>...]``: the delivery status of messages sent earlier (see below).

``GET /profile``: the account, ``{"name", "email", "username", "phone_number", "payment_type",
"user_type", "points"}`` (the ``Profile`` schema of SMSAPI's OpenAPI document).

``GET /blacklist/phone_numbers`` (``offset``, ``limit``): the account's blacklist,
``{"size": N, "collection": [{"id", "phone_number", "expire_at", "created_at"}]}`` (shape and values
from smsapi/smsapi-python-client tests/unit/blacklist/fixtures/collection.json: national numbers
without the country code, ISO 8601 UTC dates, ``expire_at`` may be null). A token without the
blacklist permission gets HTTP 403 when :attr:`FakeSmsapi.blacklist_allowed` is False.

Any other path answers HTTP 404.

Authorization: ``Authorization: Bearer <token>`` on every request. On ``/sms.do`` a missing or
wrong token is business error 101; on ``/profile`` (a REST endpoint) it is HTTP 401 with
``{"message": "Authorization failed", "error": "authorization_failed", ...}`` (the shape of the
REST ``Error`` schema; the exact tag is the fake's choice).

Business errors on ``/sms.do`` are HTTP 200 with ``{"error": <int>, "message": <text>}`` when
``format=json`` (plus ``invalid_numbers`` for error 13), and the plain text ``ERROR:<code>``
without it. The codes are in :data:`ERRORS` (wording from SMSAPI's error table, except 13 and 101,
which use the text the live API answers, as seen in SMSAPI's own client tests and bug reports).

Sending
-------

Parameters: ``to`` (one number or several separated by commas), ``message``, ``from`` (a sender
name of the account; absent: the first of ``senders``), ``format=json``, ``encoding``
(``utf-8``, ``iso-8859-2`` or ``windows-1250``; form and query values are decoded with it; without
it ``windows-1250`` is assumed, as in SMSAPI's documentation; JSON bodies are always UTF-8),
``idx`` (one per recipient, separated by ``|``), ``check_idx=1``, ``test=1``, ``details=1``,
``nounicode=1``, ``normalize=1``, ``max_parts``, ``allow_duplicates=1``. Others are ignored.

Checks, in order: token (101); ``group`` (40: the fake has no contacts); ``template`` (104);
``to`` present (8); ``message`` present and not empty (11); ``encoding`` known (8, the fake's
choice); sender name registered (14); ``nounicode=1`` with a character outside GSM-7 (11); more
than :data:`MAX_PARTS` parts (11); more parts than ``max_parts`` (12); an ``idx`` over 255
characters (27); a number of ``idx`` values other than the number of recipients (20); no valid
recipient (13, with ``invalid_numbers``); with ``check_idx=1`` an ``idx`` accepted in the last
24 hours (53); points (103: each part costs ``point_per_part``, for every recipient).

Numbers: spaces, dashes and dots are dropped, then a leading ``+`` or ``00``; 9 digits alone are a
Polish national number (``48`` is put in front, as SMSAPI does). Valid: ``48`` + 9 digits whose
first digit is 4-8 (the Polish mobile ranges); ``420`` + 9 digits starting with 6 or 7 (Czech
mobile); any other country code with 8-15 digits in all. Numbers in
:attr:`FakeSmsapi.invalid_numbers` (as submitted or normalized, with or without ``+``) are
refused too. Invalid recipients are left out; when none is left the answer is error 13.

Success (``LegacySendSmsResponse`` of the OpenAPI document)::

    {"count": 1, "list": [{"id": "9100000000000000001", "points": 0.16, "number": "48601234567",
     "date_sent": 1767225600, "submitted_number": "48601234567", "status": "QUEUE",
     "error": null, "idx": "r-17", "parts": 1}]}

where ``parts`` (what SMSAPI billed) is only in answers to ``details=1`` (the JavaScript client's
fixture, ``src/modules/sms/index.spec.ts``, has it; the Python client's ``send.json`` without
details does not), which also adds ``"message"``, ``"length"`` and ``"parts"`` of the (first)
message at the top level. :attr:`FakeSmsapi.bill_parts` makes the fake bill another number of parts
than its honest count (what an account setting could do), so a test can tell who decides the
charge. Without ``format=json``: ``OK:<id>:<points>`` (``;`` between recipients).

``parts`` is counted honestly (:func:`sms_parts`): GSM-7 160 septets, 153 per part when
concatenated, extension characters (``^{}\\[~]|€`` and form feed) cost 2 and are never split
between parts; one character outside GSM-7 makes the whole text UCS-2: 70 UTF-16 units, 67 per
part (characters outside the BMP cost 2). ``length`` is that count of septets or UTF-16 units.

``test=1`` runs every check and answers like a real send (ids included), but nothing is recorded,
charged or queryable: a test message never appears in :attr:`FakeSmsapi.accepted`.

Delivery status
---------------

``/sms.do?status=<id>&format=json`` answers ``{"count": n, "list": [...]}`` with the items of the
send answer and the current ``status``: ``QUEUE`` after sending, then whatever
:meth:`FakeSmsapi.set_delivery` set (:data:`DELIVERY_STATUSES`). Ids that are unknown are left
out; when none is known the answer is error 400. Delivery-report callbacks are not faked.

Faults
------

:meth:`FakeSmsapi.fail_next` and friends queue rules that are used in the order given, one rule per
message submission (``/sms.do`` without ``status``, ``test=1`` included); status queries and
``/profile`` never take a fault. :meth:`FakeSmsapi.delay` applies to every request.
SMSAPI documents no HTTP throttling answer of its own (its error 202 is a business error), so
:meth:`FakeSmsapi.rate_limit_next` answers plain HTTP 429 with ``Retry-After: 1``. ``fail_next``
without a body answers an HTML error page, ``garbage_next`` :data:`GARBAGE_BODY`.

The server plumbing (lifecycle, request log, fault queue) is :mod:`tests.fakeserver`'s.
"""

from __future__ import annotations

import hmac
import itertools
import json
import re
import time
import unicodedata
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from tests.fakes.fakeserver import (
    Fault,
    FaultyFakeServer,
    Reply,
    content_type_of,
    count_parts,
    error_page,
    header,
    text_reply,
)

__all__ = [
    "DELIVERY_STATUSES",
    "ERRORS",
    "FIRST_ID",
    "GARBAGE_BODY",
    "IDX_WINDOW",
    "MAX_PARTS",
    "PROFILE_PATH",
    "SMS_PATH",
    "TRANSIENT_ERRORS",
    "FakeSmsapi",
    "sms_parts",
]

SMS_PATH = "/sms.do"
PROFILE_PATH = "/profile"
BLACKLIST_PATH = "/blacklist/phone_numbers"
FIRST_ID = 9100000000000000001  # real ids are 19-digit strings, e.g. "7074294081650020450"
MAX_PARTS = 6  # "918 normal characters or 402 if special chars are used ... 6 messages"
MAX_IDX_LENGTH = 255
IDX_WINDOW = 24 * 3600.0  # check_idx: "more than one message with the same idx in last 24h"

ERR_REQUEST = 8
ERR_MESSAGE = 11
ERR_MAX_PARTS = 12
ERR_NUMBERS = 13
ERR_SENDER = 14
ERR_IDX_COUNT = 20
ERR_IDX_LENGTH = 27
ERR_GROUP = 40
ERR_IDX_USED = 53
ERR_AUTH = 101
ERR_LOGIN = 102
ERR_POINTS = 103
ERR_TEMPLATE = 104
ERR_IP = 105
ERR_STATUS_ID = 400

ERRORS: dict[int, str] = {
    ERR_REQUEST: "Error in request (Please report)",
    ERR_MESSAGE: (
        "The message is too long or there is no message or parameter: nounicode is set and special "
        "characters (including Polish characters) are used"
    ),
    ERR_MAX_PARTS: "The message has more parts than defined in &max_parts parameter.",
    ERR_NUMBERS: "No correct phone numbers",
    ERR_SENDER: "Wrong sender name",
    ERR_IDX_COUNT: "Invalid number of IDX parameters",
    ERR_IDX_LENGTH: "Too long IDX parameter. Maximum 255 chars.",
    ERR_GROUP: "No group with given name in contacts database",
    ERR_IDX_USED: (
        "Not unique idx parameter, message with the same idx has been already sent and &check_idx=1."
    ),
    ERR_AUTH: "Authorization failed",
    ERR_LOGIN: "Invalid username or password",
    ERR_POINTS: "Insufficient credits on Your account",
    ERR_TEMPLATE: "No such template",
    ERR_IP: "Wrong IP address (for IP filter turned on)",
    200: "Unsuccessful message submission",
    201: "System internal error (please report)",
    202: "Too many simultaneous request, the message won't be sent",
    203: "Too many requests. Please try again later.",
    ERR_STATUS_ID: "Invalid message ID of a status response",
    999: "System internal error (please report)",
}
# Errors after which the same request may succeed later: nothing was sent.
TRANSIENT_ERRORS = frozenset({200, 201, 202, 203, 999})

# Message statuses of SMSAPI delivery reports (callback codes 402-412, in that order).
DELIVERY_STATUSES = (
    "EXPIRED",
    "SENT",
    "DELIVERED",
    "UNDELIVERED",
    "FAILED",
    "REJECTED",
    "UNKNOWN",
    "NOT_FOUND",
    "QUEUE",
    "ACCEPTED",
    "RENEWAL",
    "STOP",
)

# What garbage_next() answers: a proxy's error page, not JSON.
GARBAGE_BODY = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><hr></body></html>"

# GSM 03.38 default alphabet (without the escape 0x1B) and its extension table (2 septets each).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
_CODECS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-2": "iso-8859-2",
    "latin2": "iso-8859-2",
    "windows-1250": "cp1250",
    "cp1250": "cp1250",
}
_DEFAULT_CODEC = "cp1250"
_NUMBER_NOISE = re.compile(r"[\s.\-()]")
_DIGITS = re.compile(r"[0-9]+")
_NOT_DECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o"})
_TRUE = frozenset({"1", "true", "yes", "on"})


def _is_gsm7(text: str) -> bool:
    return all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text)


def _units(text: str) -> tuple[list[int], int, int]:
    """Cost of each character, and the single/multi-part capacity, for the encoding ``text`` needs."""
    if _is_gsm7(text):
        return [2 if c in _GSM7_EXTENSION else 1 for c in text], 160, 153
    return [2 if ord(c) > 0xFFFF else 1 for c in text], 70, 67


def sms_parts(text: str) -> int:
    """Number of SMS a text travels as (see the module docstring); 0 for an empty text."""
    costs, single, multi = _units(text)
    if not costs:
        return 0
    return count_parts(costs, single, multi)


def _length(text: str) -> int:
    """``length`` of details=1: GSM-7 septets or UTF-16 units."""
    return sum(_units(text)[0])


def _normalizetext_reply(text: str) -> str:
    """normalize=1: characters outside GSM-7 lose their accents (ę-e, ł-l, ñ stays: it is GSM-7)."""
    out = []
    for c in text:
        if c in _GSM7_BASIC or c in _GSM7_EXTENSION:
            out.append(c)
            continue
        plain = unicodedata.normalize("NFKD", c.translate(_NOT_DECOMPOSED))
        out.append("".join(p for p in plain if not unicodedata.combining(p)) or c)
    return "".join(out)


def _number(raw: str) -> str | None:
    """Digits with the country code (no +), or None when it is not a valid mobile number."""
    digits = _NUMBER_NOISE.sub("", raw)
    digits = digits[1:] if digits.startswith("+") else digits[2:] if digits.startswith("00") else digits
    if not _DIGITS.fullmatch(digits):
        return None
    if len(digits) == 9:  # a Polish national number
        digits = "48" + digits
    if digits.startswith("48"):
        return digits if len(digits) == 11 and digits[2] in "45678" else None
    if digits.startswith("420"):
        return digits if len(digits) == 12 and digits[3] in "67" else None
    if digits.startswith("0") or not 8 <= len(digits) <= 15:
        return None
    return digits


def _flag(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUE


def _points(value: float) -> float:
    return round(value, 4)


def _form_pairs(data: bytes) -> list[tuple[bytes, bytes]]:
    """``a=1&b=%C5%BC`` -> [(b"a", b"1"), (b"b", b"\\xc5\\xbc")]: bytes, decoded later."""
    pairs = []
    for chunk in data.split(b"&"):
        if not chunk:
            continue
        name, _, value = chunk.partition(b"=")
        pairs.append(
            (unquote_to_bytes(name.replace(b"+", b" ")), unquote_to_bytes(value.replace(b"+", b" ")))
        )
    return pairs


def _json_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _params(query: str, content_type: str, raw: bytes) -> tuple[dict[str, str], str | None]:
    """Query and body parameters merged (one value each, the last one wins), and a parse problem."""
    pairs = _form_pairs(query.encode("latin-1", "replace"))
    json_params: dict[str, str] = {}
    problem = None
    if raw and "application/json" in content_type.lower():
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            doc, problem = None, "the body is not JSON"
        if isinstance(doc, dict):
            for name, value in doc.items():
                text = _json_value(value)
                if text is not None:
                    json_params[str(name)] = text
        elif problem is None:
            problem = "the JSON body is not an object"
    elif raw:
        pairs += _form_pairs(raw)
    names = {name.decode("latin-1"): value for name, value in pairs}
    label = json_params.get("encoding") or names.get("encoding", b"").decode("latin-1")
    codec = _CODECS.get(label.strip().lower()) if label else _DEFAULT_CODEC
    if codec is None:
        problem = problem or f"unknown encoding {label!r}"
        codec = "utf-8"
    params = {name: value.decode(codec, "replace") for name, value in names.items()}
    params.update(json_params)
    return params, problem


class FakeSmsapi(FaultyFakeServer):
    """Fake SMSAPI.pl on ``127.0.0.1:<free port>``; use as a context manager.

    ``token``: the Bearer token accepted. ``senders``: the account's registered sender names (the
    first is the default). ``points``: the balance (read it, or set it between requests);
    ``point_per_part``: the price of one SMS part.

    ``accepted`` lists every message the fake "sent", in order: ``id`` (the gateway id, a string),
    ``to`` (digits with the country code), ``text``, ``sender``, ``key`` (the ``idx`` or None),
    ``parts`` and ``at`` (``time.monotonic()``).

    ``requests`` lists every request, in order of arrival: ``method``, ``path`` (with the query),
    ``headers`` (dict), ``params`` (query and body merged, one value each), ``status`` (None when the
    connection was closed without an answer), ``response`` (the answer body: a dict for JSON, else
    text; None when dropped), ``error`` (the business error code answered, or None), ``reason``
    (why it was refused or which fault was applied, or None), ``fault`` (the fault rule's kind, or
    None), ``accepted_ids``, ``t_start`` and ``t_end`` (``time.monotonic()``; ``t_end`` stays None
    until just before the answer is written or the connection is dropped).

    ``invalid_numbers``: numbers refused with error 13 (as submitted or normalized, ``+`` or not).
    """

    methods = ("GET", "POST", "PUT", "DELETE")
    garbage_body = GARBAGE_BODY

    def __init__(
        self,
        token: str = "test-token",
        senders: tuple[str, ...] | list[str] = ("Gabinet",),
        points: float = 100000.0,
        point_per_part: float = 0.16,
    ):
        super().__init__()
        self.token = token
        self.senders = tuple(senders)
        self.points = float(points)
        self.point_per_part = float(point_per_part)
        self.accepted: list[dict[str, Any]] = []
        self.invalid_numbers: set[str] = set()
        self._ids = itertools.count(FIRST_ID)
        self._idx_seen: dict[str, float] = {}  # idx -> the fake's clock at its acceptance
        self.bill_parts: int | None = None  # parts billed per message instead of the honest count
        self.clock_offset = 0.0  # seconds the fake's clock is ahead (see advance())
        self._messages: dict[str, dict[str, Any]] = {}  # gateway id -> status query item
        self.blacklist: list[str] = []  # phone numbers as SMSAPI lists them
        self.blacklist_allowed = True

    # --- control ---------------------------------------------------------------------------

    def business_error_next(self, code: int, times: int = 1) -> None:
        """The next ``times`` submissions get HTTP 200 ``{"error": code, "message": ...}`` (or
        ``ERROR:code`` without format=json), unprocessed: nothing is sent."""
        if not isinstance(code, int) or isinstance(code, bool) or code <= 0:
            raise ValueError("code must be a positive int error code (see ERRORS)")
        self._queue(Fault("business", times, code=code))

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward: an idx accepted more than :data:`IDX_WINDOW` ago is forgotten."""
        with self._lock:
            self.clock_offset += seconds

    def set_delivery(self, gateway_id: str | int, status: str) -> None:
        """Set the delivery status that status queries answer for message ``gateway_id``.

        ``status``: one of :data:`DELIVERY_STATUSES` (any case). Raises KeyError for an id the fake
        never accepted (test=1 messages included), ValueError for an unknown status."""
        name = str(status).upper()
        if name not in DELIVERY_STATUSES:
            raise ValueError(f"unknown delivery status {status!r}; known: {DELIVERY_STATUSES}")
        with self._lock:
            self._messages[str(gateway_id)]["status"] = name

    # --- internals -------------------------------------------------------------------------

    def _serve(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[dict[str, Any], Reply]:
        split = urlsplit(raw_path)
        params, problem = _params(split.query, header(headers, "content-type"), raw)
        entry: dict[str, Any] = {
            "method": method,
            "path": raw_path,
            "headers": headers,
            "params": params,
            "status": None,
            "response": None,
            "error": None,
            "reason": None,
            "fault": None,
            "accepted_ids": [],
        }
        return self._logged(entry, lambda: self._answer(method, split.path, headers, params, problem, entry))

    def _answer(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        params: dict[str, str],
        problem: str | None,
        entry: dict[str, Any],
    ) -> Reply:
        if not self._sleep(self._delay):
            entry["reason"] = "stopped"
            return Reply(None)
        if path == PROFILE_PATH:
            return self._profile(method, headers, entry)
        if path == BLACKLIST_PATH:
            return self._blacklist(method, headers, params, entry)
        if path != SMS_PATH:
            entry["reason"] = f"no such endpoint {path}"
            return text_reply(404, "Not Found")
        if method not in ("GET", "POST"):
            entry["reason"] = f"{path} takes GET or POST, not {method}"
            return text_reply(405, "Method Not Allowed", Allow="GET, POST")
        fault = self._take_fault() if "status" not in params else None  # submissions only
        return self._with_fault(
            fault,
            entry,
            lambda: self._process(headers, params, problem, entry),
            lambda code: self._error(code, params, entry, f"fault: business error {code}"),
        )

    def _fail_reply(self, fault: Fault) -> Reply:
        if fault.body is None:
            return text_reply(fault.status, error_page(fault.status), "text/html")
        return Reply(fault.status, fault.body, content_type_of(fault.body))

    def _error(
        self, code: int, params: dict[str, str], entry: dict[str, Any], reason: str, **extra: Any
    ) -> Reply:
        entry["error"] = code
        entry["reason"] = reason
        if params.get("format", "").lower() != "json":
            return text_reply(200, f"ERROR:{code}")
        return Reply(200, {"error": code, "message": ERRORS.get(code, "Error"), **extra})

    def _authorized(self, headers: dict[str, str]) -> bool:
        scheme, _, token = header(headers, "authorization").strip().partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.token.encode())

    def _profile(self, method: str, headers: dict[str, str], entry: dict[str, Any]) -> Reply:
        if method != "GET":
            entry["reason"] = f"{PROFILE_PATH} takes GET, not {method}"
            return text_reply(405, "Method Not Allowed", Allow="GET")
        if not self._authorized(headers):
            entry["reason"] = "no valid Bearer token"
            body = {
                "message": "Authorization failed",
                "error": "authorization_failed",
                "developer_description": None,
                "errors": None,
            }
            return Reply(401, body)
        with self._lock:
            points = _points(self.points)
        return Reply(
            200,
            {
                "name": "Gabinet (fake)",
                "email": "gabinet@example.com",
                "username": "gabinet",
                "phone_number": "48500100200",
                "payment_type": "prepaid",
                "user_type": "native",
                "points": points,
            },
        )

    def _blacklist(self, method: str, headers: dict[str, str], params: dict[str, str], entry: dict) -> Reply:
        if method != "GET":
            entry["reason"] = f"{BLACKLIST_PATH}: only the list is faked, not {method}"
            return text_reply(405, "Method Not Allowed", Allow="GET")
        if not self._authorized(headers):
            entry["reason"] = "no valid Bearer token"
            return Reply(401, {"message": "Authorization failed", "error": "authorization_failed"})
        if not self.blacklist_allowed:
            entry["reason"] = "token without the blacklist permission"
            return Reply(403, {"message": "Access denied", "error": "access_denied"})
        offset, limit = int(params.get("offset", "0")), int(params.get("limit", "20"))
        with self._lock:
            numbers = list(self.blacklist)
        items = [
            {"id": str(i + 1), "phone_number": n, "expire_at": None, "created_at": "2026-11-02T17:32:28Z"}
            for i, n in enumerate(numbers)
        ]
        return Reply(200, {"size": len(items), "collection": items[offset : offset + limit]})

    def _process(
        self, headers: dict[str, str], params: dict[str, str], problem: str | None, entry: dict[str, Any]
    ) -> Reply:
        if not self._authorized(headers):
            return self._error(ERR_AUTH, params, entry, "no valid Bearer token")
        if "status" in params:
            return self._status(params, entry)
        return self._send(params, problem, entry)

    def _status(self, params: dict[str, str], entry: dict[str, Any]) -> Reply:
        ids = [i.strip() for i in re.split(r"[|,]", params["status"]) if i.strip()]
        items = [dict(self._messages[i]) for i in ids if i in self._messages]
        if not items:
            return self._error(ERR_STATUS_ID, params, entry, f"no message with id {params['status']!r}")
        return Reply(200, {"count": len(items), "list": items})

    def _send(self, params: dict[str, str], problem: str | None, entry: dict[str, Any]) -> Reply:
        def refuse(code: int, reason: str, **extra: Any) -> Reply:
            return self._error(code, params, entry, reason, **extra)

        if params.get("group"):
            return refuse(ERR_GROUP, f"group {params['group']!r}: the fake has no contacts")
        if params.get("template"):
            return refuse(ERR_TEMPLATE, f"template {params['template']!r}: the fake has no templates")
        recipients = [r.strip() for r in params.get("to", "").split(",") if r.strip()]
        if not recipients:
            return refuse(ERR_REQUEST, "missing to")
        message = params.get("message", "")
        if message == "":
            return refuse(ERR_MESSAGE, "missing or empty message")
        if problem is not None:
            return refuse(ERR_REQUEST, problem)
        sender = params.get("from") or (self.senders[0] if self.senders else "")
        if sender not in self.senders:
            return refuse(ERR_SENDER, f"sender {sender!r} is not one of {list(self.senders)}")
        if _flag(params.get("normalize")):
            message = _normalizetext_reply(message)
        if _flag(params.get("nounicode")) and not _is_gsm7(message):
            return refuse(ERR_MESSAGE, "nounicode=1 and the message has characters outside GSM-7")
        parts = self.bill_parts or sms_parts(message)
        if parts > MAX_PARTS:
            return refuse(ERR_MESSAGE, f"the message needs {parts} parts (max {MAX_PARTS})")
        max_parts = params.get("max_parts", "").strip()
        if max_parts.isdigit() and parts > int(max_parts):
            return refuse(ERR_MAX_PARTS, f"the message needs {parts} parts, max_parts={max_parts}")
        idx_raw = params.get("idx", "")
        idxs: list[str | None] = list(idx_raw.split("|")) if idx_raw else [None] * len(recipients)
        if any(i is not None and len(i) > MAX_IDX_LENGTH for i in idxs):
            return refuse(ERR_IDX_LENGTH, f"an idx is longer than {MAX_IDX_LENGTH} characters")
        if len(idxs) != len(recipients):
            return refuse(ERR_IDX_COUNT, f"{len(idxs)} idx values for {len(recipients)} recipients")

        valid: list[tuple[str, str, str | None]] = []
        invalid: list[dict[str, str]] = []
        for submitted, idx in zip(recipients, idxs, strict=True):
            number = _number(submitted)
            marked = {submitted, submitted.lstrip("+")}
            if number is not None:
                marked |= {number, f"+{number}"}
            if number is None or marked & self.invalid_numbers:
                invalid.append(
                    {
                        "number": number or submitted,
                        "submitted_number": submitted,
                        "message": "Invalid phone number",
                    }
                )
            elif _flag(params.get("allow_duplicates")) or all(number != v[0] for v in valid):
                valid.append((number, submitted, idx))
        if not valid:
            return refuse(ERR_NUMBERS, f"no valid recipient in {recipients}", invalid_numbers=invalid)

        now = time.monotonic() + self.clock_offset
        if _flag(params.get("check_idx")):
            for _, _, idx in valid:
                seen = self._idx_seen.get(idx) if idx is not None else None
                if seen is not None and now - seen < IDX_WINDOW:
                    return refuse(ERR_IDX_USED, f"idx {idx!r} was accepted before")
        cost = parts * self.point_per_part
        if self.points + 1e-9 < cost * len(valid):
            return refuse(ERR_POINTS, f"{_points(self.points)} points < {_points(cost * len(valid))} needed")

        test = _flag(params.get("test"))
        date_sent = int(time.time())
        items = []
        for number, submitted, idx in valid:
            gateway_id = str(next(self._ids))
            item = {
                "id": gateway_id,
                "points": _points(cost),
                "number": number,
                "date_sent": date_sent,
                "submitted_number": submitted,
                "status": "QUEUE",
                "error": None,
                "idx": idx,
            }
            if _flag(params.get("details")):
                item["parts"] = parts
            items.append(item)
            if test:
                continue
            self.points = round(self.points - cost, 6)
            self._messages[gateway_id] = dict(item)
            if idx is not None:
                self._idx_seen[idx] = now
            self.accepted.append(
                {
                    "id": gateway_id,
                    "to": number,
                    "text": message,
                    "sender": sender,
                    "key": idx,
                    "parts": parts,
                    "at": now,
                }
            )
            entry["accepted_ids"].append(gateway_id)
        if invalid:
            entry["reason"] = f"left out invalid numbers {[i['submitted_number'] for i in invalid]}"
        if test:
            entry["reason"] = "test=1: nothing sent"
        if params.get("format", "").lower() != "json":
            return text_reply(200, ";".join(f"OK:{i['id']}:{i['points']}" for i in items))
        body: dict[str, Any] = {"count": len(items), "list": items}
        if _flag(params.get("details")):
            body.update(message=message, length=_length(message), parts=parts)
        return Reply(200, body)
