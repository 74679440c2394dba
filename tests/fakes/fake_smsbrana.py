"""A local fake of SMSbrána.cz "SMS Connect" (HTTP API) for tests: real HTTP on 127.0.0.1.

The real service has one endpoint, ``https://api.smsbrana.cz/smsconnect/http.php``; here it is
``{url}/smsconnect/http.php`` (:data:`API_PATH`). Every client library found, SMSbrána's own
``smsbrana/sms-connect`` (``src/SmsConnect.php`` ``getRequestUrl``) first, sends ``send_sms``,
``inbox`` and ``credit_info`` as a GET with every parameter in the query string; no source shows a
POST form being accepted, so the fake answers a POST with HTTP 405 (its choice: a client that posts
must fail its tests). Every answer
to a request that reached the application is HTTP 200 with a small XML document whose ``<err>`` is
0 on success, as the real service does (application errors are never HTTP errors)::

    <?xml version='1.0' encoding='utf-8'?>
    <result>
    <err>0</err>
    ...
    </result>

Login (both variants of the documentation are accepted on the same account):

* advanced ("pokročilé přihlášení", recommended): ``login``, ``time``, ``sul`` (a random salt) and
  ``hash = md5(password + time + sul)`` in lowercase hex, as the official client sends them
  (``getAuth``); ``auth``, the name several third-party clients use, is accepted too. ``time`` is
  ISO 8601 with its offset (``2026-11-27T09:15:02+01:00``, the official client since commit
  07ea743) or ``YYYYMMDDTHHMMSS`` in Prague local time (the official client before it, and the
  others). ``time`` is compared with the *real* clock (never with a replayed "now" of the application):
  more than ``max_skew`` seconds away gives error 4. A salt already used by a successful login on
  the same (Prague) day gives error 7.
* simple ("jednoduché přihlášení"): ``login`` and ``password`` in clear.

Actions:

* ``send_sms``: ``number`` ("v národním (např. 736339339) nebo mezinárodním tvaru (např.
  +420736339339)": 9 digits alone are a Czech number, anything else needs ``+`` or ``00`` and the
  country code; digits without either are refused with error 10), ``message``, optional
  ``sender_id`` (the id of an authorised sender number, digits), ``sender_phone``, ``when``,
  ``delivery_report`` (1 = a delivery report is wanted), ``user_id`` (the caller's id of the
  message; a user_id already sent is refused with error -1 and nothing is sent), ``data_code``
  (``7bit``, the default, or ``ucs2``). With 7bit, as the real default does, every character outside
  GSM-7 is lost: the fake records it as ``?`` in :attr:`FakeSmsbrana.accepted` (so háčky and čárky
  arrive garbled unless the client sends ``data_code=ucs2``). Success::

      <err>0</err><price>1.1</price><sms_count>1</sms_count><credit>998.9</credit><sms_id>3563000001</sms_id>

  ``sms_count`` is counted honestly: 7bit: 160 septets, 153 per part when concatenated, extension
  characters (``^{}\\[~]|€`` and form feed) cost 2; ucs2: 70 UTF-16 units, 67 per part (characters
  outside the BMP cost 2). A 2-unit item is never
  split between parts. ``price = price_per_sms * sms_count`` is taken from the credit.
* ``credit_info``: ``<err>0</err><credit>998.9</credit>``.
* ``inbox``: incoming SMS (``delivery_sms``: ``number``, ``time``, ``message``, no id, put there
  by :meth:`FakeSmsbrana.receive`) and delivery reports::

      <err>0</err><inbox><delivery_sms></delivery_sms><delivery_report>
        <item><idsms>3563000001</idsms><number>+420603123456</number><time>20261127T091502</time>
        <status>1</status></item></delivery_report></inbox>

  Both lists stay in the inbox until a request with ``delete=1`` has returned them (the sources
  suggest ``delete=1`` empties the whole inbox, not one list). Tests create
  reports with :meth:`FakeSmsbrana.set_delivery`; only messages sent with ``delivery_report=1``
  can have one.

Any other action (including the real ``xml_queue`` bulk action, not faked here) answers error 6.
Any other path answers HTTP 404. Error codes are listed in :data:`ERRORS`.

Faults (:meth:`FakeSmsbrana.fail_next` and friends) are queued rules used in the order given, one
rule per ``send_sms`` request; ``credit_info`` and ``inbox`` requests never take a fault (only
:meth:`FakeSmsbrana.delay` applies to every request). SMS Connect documents no throttling error, so
:meth:`FakeSmsbrana.rate_limit_next` answers plain HTTP 429 with ``Retry-After: 1``. ``fail_next``
answers an HTML error page (or its ``body``, as HTML), ``garbage_next`` :data:`GARBAGE_BODY`.

The server plumbing (lifecycle, request log, fault queue) is :mod:`tests.fakeserver`'s.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import secrets
import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from tests.fakes.fakeserver import (
    HTML,
    Fault,
    FaultyFakeServer,
    Reply,
    count_parts,
    error_page,
    header,
    text_reply,
)

__all__ = [
    "API_PATH",
    "DELIVERED",
    "DELIVERY_STATUSES",
    "ERRORS",
    "ERR_ACTION",
    "ERR_AUTH",
    "ERR_CREDIT",
    "ERR_DATABASE",
    "ERR_DUPLICATE",
    "ERR_EMPTY_MESSAGE",
    "ERR_IP",
    "ERR_LOGIN",
    "ERR_NUMBER",
    "ERR_OK",
    "ERR_SALT_USED",
    "ERR_TIME",
    "ERR_TOO_LONG",
    "ERR_UNKNOWN",
    "EXPIRED",
    "FIRST_SMS_ID",
    "GARBAGE_BODY",
    "MAX_MESSAGE_CHARS",
    "PRAGUE",
    "STORED",
    "UNDELIVERED",
    "UNKNOWN_STATUS",
    "FakeSmsbrana",
    "auth_params",
    "connect_time",
    "sms_parts",
]

API_PATH = "/smsconnect/http.php"
PRAGUE = ZoneInfo("Europe/Prague")
TIME_FORMAT = "%Y%m%dT%H%M%S"
XML = "text/xml; charset=utf-8"
FIRST_SMS_ID = 3563000001
MAX_MESSAGE_CHARS = 459  # "SMS je delší než povolených 459 znaků"

ERR_OK = 0
ERR_DUPLICATE = -1  # duplicate user_id: a message with this user_id was sent before
ERR_UNKNOWN = 1
ERR_LOGIN = 2
ERR_AUTH = 3  # wrong hash/auth or password (depending on the login variant)
ERR_TIME = 4  # time too far from the server's clock
ERR_IP = 5  # IP address not allowed in the SMS Connect settings
ERR_ACTION = 6
ERR_SALT_USED = 7  # this salt was already used on this day
ERR_DATABASE = 8  # no connection to the database
ERR_CREDIT = 9
ERR_NUMBER = 10
ERR_EMPTY_MESSAGE = 11
ERR_TOO_LONG = 12

ERRORS: dict[int, str] = {
    ERR_DUPLICATE: "duplicate user_id (a message with this user_id was already sent)",
    ERR_UNKNOWN: "unknown error",
    ERR_LOGIN: "invalid login",
    ERR_AUTH: "invalid hash or password",
    ERR_TIME: "invalid time (clock difference larger than the accepted maximum)",
    ERR_IP: "IP address not allowed",
    ERR_ACTION: "invalid action",
    ERR_SALT_USED: "this salt was already used today",
    ERR_DATABASE: "no database connection",
    ERR_CREDIT: "not enough credit",
    ERR_NUMBER: "invalid recipient number",
    ERR_EMPTY_MESSAGE: "empty message",
    ERR_TOO_LONG: f"message longer than {MAX_MESSAGE_CHARS} characters",
}

# Delivery report ``<status>`` values as client libraries read them (not from the documentation).
UNKNOWN_STATUS = 0
DELIVERED = 1
STORED = 2  # kept by the SMS centre, delivery still pending
UNDELIVERED = 3
EXPIRED = 5
DELIVERY_STATUSES: dict[str, int] = {
    "unknown": UNKNOWN_STATUS,
    "delivered": DELIVERED,
    "stored": STORED,
    "undelivered": UNDELIVERED,
    "expired": EXPIRED,
}

# What garbage_next() answers: a proxy's error page, HTML that no XML parser accepts (<hr> is open).
GARBAGE_BODY = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><hr></body></html>"

# GSM 03.38 default alphabet (without the escape 0x1B) and its extension table (2 septets each).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
_DIGITS = re.compile(r"[0-9]+")


def connect_time(at: datetime | None = None) -> str:
    """``time`` as SMS Connect wants it: Prague local time, ``YYYYMMDDTHHMMSS`` (now by default)."""
    moment = datetime.now(UTC) if at is None else at
    if moment.tzinfo is None:
        raise ValueError("pass an aware datetime (the wire format is Prague local time)")
    return moment.astimezone(PRAGUE).strftime(TIME_FORMAT)


def _parse_time(stamp: str) -> list[datetime]:
    """The moments ``time`` may mean: ISO 8601 with an offset, or Prague wall time (both readings
    of an hour repeated when summer time ends). Raises ValueError for anything else."""
    if "-" in stamp or ":" in stamp:
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError(f"ISO time {stamp!r} has no offset")
        return [moment]
    local = datetime.strptime(stamp, TIME_FORMAT)
    return [local.replace(tzinfo=PRAGUE, fold=fold) for fold in (0, 1)]


def auth_params(
    login: str, password: str, at: datetime | None = None, sul: str | None = None, name: str = "hash"
) -> dict[str, str]:
    """Advanced-login parameters: login, time, sul and ``name`` (``hash`` or ``auth``) = md5(...)."""
    stamp = connect_time(at)
    salt = secrets.token_hex(8) if sul is None else sul
    digest = hashlib.md5((password + stamp + salt).encode("utf-8")).hexdigest()
    return {"login": login, "time": stamp, "sul": salt, name: digest}


def _seven_bit(text: str) -> str:
    """What a phone shows of ``text`` sent as 7bit: every character outside GSM-7 is lost ("?")."""
    return "".join(c if c in _GSM7_BASIC or c in _GSM7_EXTENSION else "?" for c in text)


def sms_parts(text: str, data_code: str | None = "7bit") -> int:
    """Number of SMS a text travels as (see the module docstring). ``data_code``: 7bit (also None,
    the default) or ucs2."""
    if data_code in (None, "7bit"):  # a character outside GSM-7 is replaced by one septet
        costs = [2 if c in _GSM7_EXTENSION else 1 for c in text]
        single, multi = 160, 153
    else:
        costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
        single, multi = 70, 67
    return count_parts(costs, single, multi)


def _number(raw: str) -> str | None:
    """Digits with the country code (no +), or None when it is not a phone number."""
    if _DIGITS.fullmatch(raw) and len(raw) == 9:  # the national form of a Czech number
        return "420" + raw
    if not raw.startswith(("+", "00")):  # international numbers must carry + (or 00)
        return None
    digits = raw[1:] if raw.startswith("+") else raw[2:]
    if not _DIGITS.fullmatch(digits):
        return None
    if not 10 <= len(digits) <= 15 or digits.startswith("0"):
        return None
    return digits


def _amount(value: float) -> str:
    """1.1 -> "1.1", 2.2000000000000002 -> "2.2", 5.0 -> "5"."""
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _xml(inner: str) -> str:
    return f"<?xml version='1.0' encoding='utf-8'?>\n<result>\n{inner}</result>\n"


def _fields(pairs: list[tuple[str, Any]]) -> str:
    return "".join(f"<{name}>{escape(str(value))}</{name}>\n" for name, value in pairs)


def _result(err: int, **values: Any) -> str:
    return _xml(_fields([("err", err), *values.items()]))


class FakeSmsbrana(FaultyFakeServer):
    """Fake SMSbrána SMS Connect on ``127.0.0.1:<free port>``; use as a context manager.

    ``accepted`` lists every message the fake "sent", in order: ``id`` (the ``sms_id``, a string),
    ``to`` (digits with the country code), ``text``, ``sender`` (``sender_id`` or None), ``key``
    (``user_id`` or None), ``parts`` and ``at`` (``time.monotonic()``).

    ``requests`` lists every request, in order of arrival: ``method``, ``path`` (with the query),
    ``params`` (query and form merged, one value each), ``action``, ``status`` (None when the
    connection was closed without an answer), ``response`` (the answer body as text, None when
    dropped), ``err`` (the ``<err>`` answered, or None), ``reason`` (why it was refused or what
    fault was applied, or None), ``fault`` (the fault rule's kind, or None), ``accepted_id``,
    ``t_start`` (request read) and ``t_end`` (``time.monotonic()`` just before the answer is written
    or the connection closed; None while the request is still being served).
    """

    methods = ("GET", "POST")
    garbage_body = GARBAGE_BODY

    def __init__(
        self,
        login: str = "gabinet",
        password: str = "secret",
        credit: float = 1000.0,
        price_per_sms: float = 1.1,
        max_skew: float = 300,
    ):
        super().__init__()
        self.login = login
        self.password = password
        self.credit = float(credit)
        self.price_per_sms = float(price_per_sms)
        self.max_skew = float(max_skew)
        self.accepted: list[dict[str, Any]] = []
        self.invalid_numbers: set[str] = set()
        self._ids = itertools.count(FIRST_SMS_ID)
        self._user_ids: set[str] = set()
        self._salts: set[tuple[date, str]] = set()
        self._messages: dict[str, dict[str, Any]] = {}  # sms_id -> number, delivery_report
        self._reports: list[dict[str, str]] = []
        self._incoming: list[dict[str, str]] = []

    # --- control ---------------------------------------------------------------------------

    def business_error_next(self, code: int, times: int = 1) -> None:
        """The next ``times`` send_sms requests get HTTP 200 ``<err>code</err>``, unprocessed."""
        if not isinstance(code, int) or code == ERR_OK:
            raise ValueError("code must be a non-zero int error code (see ERRORS)")
        self._queue(Fault("business", times, code=code))

    def set_delivery(self, gateway_id: str | int, status: int | str) -> None:
        """Put a delivery report for message ``gateway_id`` (its sms_id) in the inbox.

        ``status``: one of :data:`DELIVERY_STATUSES` (name or number). Raises KeyError for an
        unknown sms_id, ValueError when the message was sent without ``delivery_report=1``."""
        code = DELIVERY_STATUSES[status] if isinstance(status, str) else int(status)
        if code not in DELIVERY_STATUSES.values():
            raise ValueError(f"unknown delivery status {status!r}; known: {DELIVERY_STATUSES}")
        with self._lock:
            message = self._messages[str(gateway_id)]
            if not message["delivery_report"]:
                raise ValueError(f"message {gateway_id} was sent without delivery_report=1")
            self._reports.append(
                {
                    "idsms": str(gateway_id),
                    "number": f"+{message['number']}",  # as in the inbox sample of django-smsbrana
                    "time": connect_time(),
                    "status": str(code),
                }
            )

    def receive(self, number: str, message: str, at: datetime | None = None) -> None:
        """A patient's SMS to SMSbrána's system number: an ``<item>`` of ``delivery_sms``."""
        with self._lock:
            self._incoming.append({"number": number, "time": connect_time(at), "message": message})

    # --- internals -------------------------------------------------------------------------

    def _serve(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[dict[str, Any], Reply]:
        split = urlsplit(raw_path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        if method == "POST" and "multipart" not in header(headers, "content-type").lower():
            params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        entry: dict[str, Any] = {
            "method": method,
            "path": raw_path,
            "params": params,
            "action": params.get("action"),
            "status": None,
            "response": None,
            "err": None,
            "reason": None,
            "fault": None,
            "accepted_id": None,
        }
        return self._logged(entry, lambda: self._answer(method, split.path, params, entry))

    def _answer(self, method: str, path: str, params: dict[str, str], entry: dict[str, Any]) -> Reply:
        if not self._sleep(self._delay):
            entry["reason"] = "stopped"
            return Reply(None)
        if path != API_PATH:
            entry["reason"] = f"no such endpoint {path}"
            return text_reply(404, "Not Found")
        if method != "GET":
            entry["reason"] = f"{method}: the sources only show GET with a query string (fake's choice)"
            return text_reply(405, "Method Not Allowed", Allow="GET")

        def process() -> Reply:
            err, body = self._process(params, entry)
            entry["err"] = err
            return Reply(200, body, XML)

        def business(code: int) -> Reply:
            entry["err"] = code
            return Reply(200, _result(code), XML)

        fault = self._take_fault() if params.get("action") == "send_sms" else None
        return self._with_fault(fault, entry, process, business)

    def _fail_reply(self, fault: Fault) -> Reply:
        body = error_page(fault.status) if fault.body is None else fault.body
        return Reply(fault.status, body, HTML)

    def _process(self, params: dict[str, str], entry: dict[str, Any]) -> tuple[int, str]:
        err, reason = self._authenticate(params)
        if err:
            entry["reason"] = reason
            return err, _result(err)
        action = params.get("action", "")
        if action == "send_sms":
            return self._send_sms(params, entry)
        if action == "credit_info":
            return ERR_OK, _result(ERR_OK, credit=_amount(self.credit))
        if action == "inbox":
            return ERR_OK, self._inbox(params.get("delete") == "1")
        entry["reason"] = f"unknown action {action!r}"
        return ERR_ACTION, _result(ERR_ACTION)

    def _authenticate(self, params: dict[str, str]) -> tuple[int, str | None]:
        if params.get("login") != self.login:
            return ERR_LOGIN, f"unknown login {params.get('login')!r}"
        digest = params.get("auth") or params.get("hash")
        if digest is None and "password" in params:
            if not hmac.compare_digest(params["password"].encode(), self.password.encode()):
                return ERR_AUTH, "wrong password (simple login)"
            return ERR_OK, None
        stamp, salt = params.get("time", ""), params.get("sul", "")
        if not digest or not stamp or not salt:
            return ERR_AUTH, "advanced login needs time, sul and auth (or hash); simple login needs password"
        expected = hashlib.md5((self.password + stamp + salt).encode("utf-8")).hexdigest()
        if not hmac.compare_digest(digest.encode(), expected.encode()):
            return ERR_AUTH, f"auth is not md5(password + time + sul) in lowercase hex; want {expected}"
        try:
            moments = _parse_time(stamp)
        except ValueError:
            return ERR_TIME, f"time {stamp!r} is neither ISO 8601 with an offset nor YYYYMMDDTHHMMSS"
        now = datetime.now(UTC)
        skew = min(abs((moment - now).total_seconds()) for moment in moments)
        if skew > self.max_skew:
            return (
                ERR_TIME,
                f"time {stamp} (Prague) is {skew:.0f} s from the server clock (max {self.max_skew:.0f})",
            )
        day = now.astimezone(PRAGUE).date()
        if (day, salt) in self._salts:
            return ERR_SALT_USED, f"sul {salt!r} was already used today"
        self._salts.add((day, salt))
        return ERR_OK, None

    def _send_sms(self, params: dict[str, str], entry: dict[str, Any]) -> tuple[int, str]:
        def refuse(err: int, reason: str) -> tuple[int, str]:
            entry["reason"] = reason
            return err, _result(err)

        raw_number = params.get("number", "")
        number = _number(raw_number)
        if number is None or {raw_number, number, f"+{number}"} & self.invalid_numbers:
            return refuse(ERR_NUMBER, f"invalid number {raw_number!r}")
        message = params.get("message", "")
        if message == "":
            return refuse(ERR_EMPTY_MESSAGE, "empty message")
        if len(message) > MAX_MESSAGE_CHARS:
            return refuse(ERR_TOO_LONG, f"message has {len(message)} characters (max {MAX_MESSAGE_CHARS})")
        data_code = params.get("data_code") or "7bit"  # the documented default
        if data_code not in ("7bit", "ucs2"):
            return refuse(ERR_UNKNOWN, f"data_code {data_code!r} is not 7bit or ucs2 (fake's choice)")
        user_id = params.get("user_id") or None
        if user_id is not None and user_id in self._user_ids:
            return refuse(ERR_DUPLICATE, f"user_id {user_id!r} was already sent")
        parts = sms_parts(message, data_code)
        price = self.price_per_sms * parts
        if self.credit + 1e-9 < price:
            return refuse(ERR_CREDIT, f"credit {_amount(self.credit)} < price {_amount(price)}")
        self.credit = round(self.credit - price, 6)
        sms_id = str(next(self._ids))
        if user_id is not None:
            self._user_ids.add(user_id)
        self._messages[sms_id] = {"number": number, "delivery_report": params.get("delivery_report") == "1"}
        self.accepted.append(
            {
                "id": sms_id,
                "to": number,
                "text": message if data_code == "ucs2" else _seven_bit(message),
                "sender": params.get("sender_id") or None,
                "key": user_id,
                "parts": parts,
                "at": time.monotonic(),
            }
        )
        entry["accepted_id"] = sms_id
        return ERR_OK, _result(
            ERR_OK, price=_amount(price), sms_count=parts, credit=_amount(self.credit), sms_id=sms_id
        )

    def _inbox(self, delete: bool) -> str:
        items = "".join(
            "<item>\n"
            + _fields([(k, report[k]) for k in ("idsms", "number", "time", "status")])
            + "</item>\n"
            for report in self._reports
        )
        incoming = "".join(
            "<item>\n" + _fields([(k, sms[k]) for k in ("number", "time", "message")]) + "</item>\n"
            for sms in self._incoming
        )
        if delete:
            self._reports.clear()
            self._incoming.clear()
        reports = f"<delivery_report>\n{items}</delivery_report>\n"
        inbox = f"<inbox>\n<delivery_sms>\n{incoming}</delivery_sms>\n{reports}</inbox>\n"
        return _xml(_fields([("err", ERR_OK)]) + inbox)
