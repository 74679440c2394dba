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

and with ``details=1`` also ``"message"``, ``"length"`` and ``"parts"`` of the (first) message at
the top level. Without ``format=json``: ``OK:<id>:<points>`` (``;`` between recipients).

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
:meth:`FakeSmsapi.rate_limit_next` answers plain HTTP 429 with ``Retry-After: 1``.
"""

from __future__ import annotations

import contextlib
import hmac
import itertools
import json
import re
import socket
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

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
    if sum(costs) <= single:
        return 1
    parts, room = 1, multi
    for cost in costs:
        if cost > room:
            parts += 1
            room = multi
        room -= cost
    return parts


def _length(text: str) -> int:
    """``length`` of details=1: GSM-7 septets or UTF-16 units."""
    return sum(_units(text)[0])


def _normalize_text(text: str) -> str:
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


@dataclass
class _Reply:
    status: int | None  # None: close the connection without answering
    body: Any = ""  # dict/list -> JSON; str -> as is
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def _text(status: int, body: str, content_type: str = "text/plain; charset=utf-8", **headers: str) -> _Reply:
    return _Reply(status, body, content_type, dict(headers))


@dataclass
class _Rule:
    kind: str  # fail, rate_limit, business, hang, accept_drop, drop, garbage
    times: int
    status: int = 500
    body: Any = None
    code: int = 0
    seconds: float = 0.0
    accepted: bool = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30  # idle keep-alive connections give up after this

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle + delayed ACK cost 40 ms a request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean; FakeSmsapi.requests is the log

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        fake = self.server.fake
        entry, reply = fake._serve(self.command, self.path, dict(self.headers.items()), raw)
        try:
            if reply.status is None:
                self.close_connection = True
                return
            payload = reply.payload()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:  # the client gave up (timeout) or stop() closed the socket
            self.close_connection = True
        finally:
            fake._finish(entry)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the fault suite does that) is not a server error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # many concurrent clients connect at once in the throughput benchmark

    def __init__(self, fake: FakeSmsapi):
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def track(self, connection: socket.socket, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """End kept-alive and in-flight client connections so nothing is served after stop()."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class FakeSmsapi:
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
    until the answer is written or the connection is dropped).

    ``invalid_numbers``: numbers refused with error 13 (as submitted or normalized, ``+`` or not).
    """

    def __init__(
        self,
        token: str = "test-token",
        senders: tuple[str, ...] | list[str] = ("Gabinet",),
        points: float = 100000.0,
        point_per_part: float = 0.16,
    ):
        self.token = token
        self.senders = tuple(senders)
        self.points = float(points)
        self.point_per_part = float(point_per_part)
        self.accepted: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.invalid_numbers: set[str] = set()
        self._lock = threading.RLock()
        self._ids = itertools.count(FIRST_ID)
        self._idx_seen: dict[str, float] = {}  # idx -> time.monotonic() of its acceptance
        self._messages: dict[str, dict[str, Any]] = {}  # gateway id -> status query item
        self._rules: list[_Rule] = []
        self._delay = 0.0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSmsapi:
        if self._server is not None:
            return self
        self._stopping = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; returns at once even while request threads sleep (delay, hang)."""
        if self._server is None:
            return
        self._stopping.set()  # wakes every sleeping request thread; they close without answering
        server, port = self._server, self.port
        # shutdown() waits for serve_forever() to notice, which it does at the next poll or the next
        # connection: knock once so a test's teardown does not wait out the poll interval.
        stopper = threading.Thread(target=server.shutdown, daemon=True)
        stopper.start()
        while stopper.is_alive():
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            stopper.join(timeout=0.01)
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeSmsapi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSmsapi is not running; use start() or a with block")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123``; the client calls ``{url}/sms.do``."""
        return f"http://127.0.0.1:{self.port}"

    # --- control ---------------------------------------------------------------------------

    def delay(self, seconds: float) -> None:
        """Every answer (any endpoint, faults included) comes after ``seconds``; 0 switches it off."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        with self._lock:
            self._delay = float(seconds)

    def fail_next(self, status: int = 500, times: int = 1, body: Any = None) -> None:
        """The next ``times`` submissions get HTTP ``status``, unprocessed: nothing is sent.

        ``body``: None gives an HTML error page; a dict/list is sent as JSON, a str/bytes as text."""
        self._add(_Rule("fail", times, status=status, body=body))

    def rate_limit_next(self, times: int = 1) -> None:
        """The next ``times`` submissions get HTTP 429 with ``Retry-After: 1``, unprocessed."""
        self._add(_Rule("rate_limit", times, status=429))

    def business_error_next(self, code: int, times: int = 1) -> None:
        """The next ``times`` submissions get HTTP 200 ``{"error": code, "message": ...}`` (or
        ``ERROR:code`` without format=json), unprocessed: nothing is sent."""
        if not isinstance(code, int) or isinstance(code, bool) or code <= 0:
            raise ValueError("code must be a positive int error code (see ERRORS)")
        self._add(_Rule("business", times, code=code))

    def accept_then_hang_next(self, seconds: float, times: int = 1) -> None:
        """The next ``times`` submissions are processed (a valid one is accepted and recorded at
        once) and the answer is written only after ``seconds``. Other requests go on meanwhile."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self._add(_Rule("hang", times, seconds=float(seconds)))

    def accept_then_drop_next(self, times: int = 1) -> None:
        """The next ``times`` submissions are processed (a valid one is accepted), then the
        connection is closed without an answer."""
        self._add(_Rule("accept_drop", times))

    def drop_next(self, times: int = 1) -> None:
        """The next ``times`` submissions are read, then the connection is closed without an
        answer; nothing is sent."""
        self._add(_Rule("drop", times))

    def garbage_next(self, times: int = 1, accepted: bool = True) -> None:
        """The next ``times`` submissions get HTTP 200 with :data:`GARBAGE_BODY` (not JSON). With
        ``accepted`` the request is processed first (a valid one is accepted and recorded)."""
        self._add(_Rule("garbage", times, accepted=accepted))

    def reset_faults(self) -> None:
        """Forget every queued fault rule and switch the delay off."""
        with self._lock:
            self._rules.clear()
            self._delay = 0.0

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

    def _add(self, rule: _Rule) -> None:
        if rule.times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._rules.append(rule)

    def _take_rule(self) -> _Rule | None:
        with self._lock:
            if not self._rules:
                return None
            rule = self._rules[0]
            rule.times -= 1
            if rule.times == 0:
                self._rules.pop(0)
            return rule

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless stop() is called; False when stopping."""
        if seconds > 0:
            self._stopping.wait(seconds)
        return not self._stopping.is_set()

    def _finish(self, entry: dict[str, Any]) -> None:
        with self._lock:
            entry["t_end"] = time.monotonic()

    def _serve(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[dict[str, Any], _Reply]:
        split = urlsplit(raw_path)
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        params, problem = _params(split.query, content_type, raw)
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
            "t_start": time.monotonic(),
            "t_end": None,
        }
        with self._lock:
            self.requests.append(entry)
            delay = self._delay
        reply = self._answer(method, split.path, headers, params, problem, entry, delay)
        with self._lock:
            entry["status"] = reply.status
            if reply.status is not None:
                entry["response"] = reply.body
        return entry, reply

    def _answer(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        params: dict[str, str],
        problem: str | None,
        entry: dict[str, Any],
        delay: float,
    ) -> _Reply:
        if not self._sleep(delay):
            entry["reason"] = "stopped"
            return _Reply(None)
        if path == PROFILE_PATH:
            return self._profile(method, headers, entry)
        if path != SMS_PATH:
            entry["reason"] = f"no such endpoint {path}"
            return _text(404, "Not Found")
        if method not in ("GET", "POST"):
            entry["reason"] = f"{path} takes GET or POST, not {method}"
            return _text(405, "Method Not Allowed", Allow="GET, POST")
        submission = "status" not in params
        rule = self._take_rule() if submission else None
        if rule is not None:
            entry["fault"] = rule.kind
            entry["reason"] = f"fault: {rule.kind}"
            early = self._unprocessed(rule, params, entry)
            if early is not None:
                return early
        with self._lock:
            reply = self._process(headers, params, problem, entry)
        if rule is None:
            return reply
        if rule.kind == "garbage":
            return _text(200, GARBAGE_BODY, "text/html; charset=utf-8")
        if rule.kind == "accept_drop":
            return _Reply(None)
        # hang: the message is recorded; the answer waits (outside the lock: others go on)
        if not self._sleep(rule.seconds):
            return _Reply(None)
        return reply

    def _unprocessed(self, rule: _Rule, params: dict[str, str], entry: dict[str, Any]) -> _Reply | None:
        """The answer of a fault that does not process the request, or None."""
        if rule.kind == "fail":
            body = rule.body
            if body is None:
                try:
                    phrase = HTTPStatus(rule.status).phrase
                except ValueError:
                    phrase = "Error"
                return _text(
                    rule.status, f"<html><body><h1>{rule.status} {phrase}</h1></body></html>", "text/html"
                )
            if isinstance(body, dict | list):
                return _Reply(rule.status, body)
            return _text(rule.status, body)
        if rule.kind == "rate_limit":
            return _text(429, "Too Many Requests", **{"Retry-After": "1"})
        if rule.kind == "business":
            return self._error(rule.code, params, entry, f"fault: business error {rule.code}")
        if rule.kind == "drop":
            return _Reply(None)
        if rule.kind == "garbage" and not rule.accepted:
            return _text(200, GARBAGE_BODY, "text/html; charset=utf-8")
        return None

    def _error(
        self, code: int, params: dict[str, str], entry: dict[str, Any], reason: str, **extra: Any
    ) -> _Reply:
        entry["error"] = code
        entry["reason"] = reason
        if params.get("format", "").lower() != "json":
            return _text(200, f"ERROR:{code}")
        return _Reply(200, {"error": code, "message": ERRORS.get(code, "Error"), **extra})

    def _authorized(self, headers: dict[str, str]) -> bool:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, token = value.strip().partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.token.encode())

    def _profile(self, method: str, headers: dict[str, str], entry: dict[str, Any]) -> _Reply:
        if method != "GET":
            entry["reason"] = f"{PROFILE_PATH} takes GET, not {method}"
            return _text(405, "Method Not Allowed", Allow="GET")
        if not self._authorized(headers):
            entry["reason"] = "no valid Bearer token"
            body = {
                "message": "Authorization failed",
                "error": "authorization_failed",
                "developer_description": None,
                "errors": None,
            }
            return _Reply(401, body)
        with self._lock:
            points = _points(self.points)
        return _Reply(
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

    def _process(
        self, headers: dict[str, str], params: dict[str, str], problem: str | None, entry: dict[str, Any]
    ) -> _Reply:
        if not self._authorized(headers):
            return self._error(ERR_AUTH, params, entry, "no valid Bearer token")
        if "status" in params:
            return self._status(params, entry)
        return self._send(params, problem, entry)

    def _status(self, params: dict[str, str], entry: dict[str, Any]) -> _Reply:
        ids = [i.strip() for i in re.split(r"[|,]", params["status"]) if i.strip()]
        items = [dict(self._messages[i]) for i in ids if i in self._messages]
        if not items:
            return self._error(ERR_STATUS_ID, params, entry, f"no message with id {params['status']!r}")
        return _Reply(200, {"count": len(items), "list": items})

    def _send(self, params: dict[str, str], problem: str | None, entry: dict[str, Any]) -> _Reply:
        def refuse(code: int, reason: str, **extra: Any) -> _Reply:
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
            message = _normalize_text(message)
        if _flag(params.get("nounicode")) and not _is_gsm7(message):
            return refuse(ERR_MESSAGE, "nounicode=1 and the message has characters outside GSM-7")
        parts = sms_parts(message)
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

        now = time.monotonic()
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
                "parts": parts,
            }
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
            return _text(200, ";".join(f"OK:{i['id']}:{i['points']}" for i in items))
        body: dict[str, Any] = {"count": len(items), "list": items}
        if _flag(params.get("details")):
            body.update(message=message, length=_length(message), parts=parts)
        return _Reply(200, body)
