"""A local fake of the Przelewy24 REST API v1 for tests (real HTTP on 127.0.0.1).

Covers what ``smsremind`` uses to top up the SMS quota:

* ``GET  /api/v1/testAccess``
* ``POST /api/v1/transaction/register``
* ``GET  /api/v1/transaction/by/sessionId/{sessionId}``
* ``PUT  /api/v1/transaction/verify``
* ``GET  /trnRequest/{token}`` (the payment page the customer is sent to; no auth, plain HTML)

Every API call needs HTTP Basic auth with user = posId (as a string) and password = the API key,
like P24. Bodies are checked field by field (presence, JSON type, maximum length, sign), and the
answers have the shapes of the P24 OpenAPI document (v1.0.16):

* 401 ``{"error": "Incorrect authentication", "code": 401}`` (``UnauthorizedResponse``)
* 400 ``{"error": "Invalid input data", "code": 400}`` (``InvalidInputData``), or
  ``{"error": "Incorrect sign", "code": 400}`` when only the sign is wrong
* 404 ``{"error": "Transaction not found", "responseCode": 0}`` (``TransactionNotFoundResponse``)

The body of a 400 carries P24's generic wording; the precise cause (which field, which check) is in
the ``reason`` of the matching :attr:`P24Server.requests` entry, for test assertions and debugging.

A transaction is registered unpaid (status 0). Until it is paid, ``by/sessionId`` answers 404, as
the real service does for a transaction nobody has paid yet. Tests decide when it is paid:
:meth:`P24Server.pay` (now), :meth:`P24Server.pay_later` (after the n-th poll) or not at all.
A paid transaction has status 1 (advance payment); a successful verify turns it into 2.

The ``by/sessionId`` answer has the keys and JSON types of the answer the ``mnastalski/przelewy24-php``
tests feed to ``FindTransactionResponse`` (tests/fakes/fixtures/p24_transaction_by_session.json): ``date``
and ``dateOfTransaction`` as ``yyyyMMddHHmm`` ("202212020025"), ``fee`` a string.  Hostile answers for
tests: :meth:`P24Server.tamper` (fields of that answer changed or removed), :meth:`P24Server.pay` with
``status=2`` (says "payment made" whether or not anyone verified), :meth:`P24Server.redirect` (every
API request answered with a redirect).

:meth:`P24Server.down` makes every request end in a dropped connection (the server reads the
request, then closes the socket without a byte of answer), so ``requests`` raises
``requests.ConnectionError``; ``down(status=503)`` answers 503 instead.

The server plumbing (lifecycle, connections, writing answers) is :mod:`tests.fakeserver`'s.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.fakes.fakeserver import HTML, FakeServer, Reply, content_type_of, header

__all__ = ["FIRST_ORDER_ID", "MISSING", "P24Server", "published", "sign_register", "sign_verify"]

FIRST_ORDER_ID = 300000001
MISSING = object()  # tamper(orderId=MISSING): the field is left out of the answer
P24_DATE = "%Y%m%d%H%M"  # "202212020025" in the library's fixture
FIXTURES = Path(__file__).parent / "fixtures"


def published(name: str) -> dict[str, Any]:
    """A fixture transcribed from mnastalski/przelewy24-php's tests, without its ``_source`` key
    (which names the library's repo, path and commit)."""
    doc = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    assert "mnastalski/przelewy24-php" in doc.pop("_source")
    return doc


REGISTER_PATH = "/api/v1/transaction/register"
VERIFY_PATH = "/api/v1/transaction/verify"
TEST_ACCESS_PATH = "/api/v1/testAccess"
BY_SESSION_PREFIX = "/api/v1/transaction/by/sessionId/"
PAYMENT_PAGE_PREFIX = "/trnRequest/"

INVALID_INPUT = "Invalid input data"
INCORRECT_SIGN = "Incorrect sign"
INCORRECT_AUTH = "Incorrect authentication"
NOT_FOUND = "Transaction not found"

# ISO 639-1 codes the document lists for ``language`` (note: Czech is "cs", Swedish "se").
LANGUAGES = frozenset(
    ["bg", "cs", "de", "en", "es", "fr", "hr", "hu", "it", "nl", "pl", "pt", "se", "sk", "ro"]
)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# field: (JSON type, maxLength or None). From ``TransactionRequestBody1``.
REGISTER_FIELDS: dict[str, tuple[str, int | None]] = {
    "merchantId": ("int", None),
    "posId": ("int", None),
    "sessionId": ("str", 100),
    "amount": ("int", None),
    "currency": ("str", 3),
    "description": ("str", 1024),
    "email": ("str", 50),
    "client": ("str", 40),
    "address": ("str", 80),
    "zip": ("str", 10),
    "city": ("str", 50),
    "country": ("str", 2),
    "phone": ("str", 12),
    "language": ("str", 2),
    "method": ("int", None),
    "urlReturn": ("str", 250),
    "urlStatus": ("str", 250),
    "timeLimit": ("int", None),
    "channel": ("int", None),
    "waitForResult": ("bool", None),
    "regulationAccept": ("bool", None),
    "shipping": ("int", None),
    "transferLabel": ("str", 20),
    "mobileLib": ("int", None),
    "sdkVersion": ("str", 10),
    "sign": ("str", 100),
    "encoding": ("str", 15),
    "methodRefId": ("str", 250),
    "cart": ("list", None),
    "additional": ("dict", None),
}
# The document's ``required`` list also names ``ttl``, a field it never defines (and the real
# service does not ask for); it is left out here.
REGISTER_REQUIRED = (
    "merchantId",
    "posId",
    "sessionId",
    "amount",
    "currency",
    "description",
    "email",
    "country",
    "language",
    "urlReturn",
    "sign",
)

# From ``TransactionVerificationBody``; all of them are required.
VERIFY_FIELDS: dict[str, tuple[str, int | None]] = {
    "merchantId": ("int", None),
    "posId": ("int", None),
    "sessionId": ("str", 100),
    "amount": ("int", None),
    "currency": ("str", 3),
    "orderId": ("int", None),
    "sign": ("str", 100),
}
VERIFY_REQUIRED = tuple(VERIFY_FIELDS)


def _sign(pairs: list[tuple[str, Any]]) -> str:
    # PHP's json_encode(..., JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES): compact, key order
    # kept, UTF-8 as is, "/" not escaped (Python never escapes it).
    text = json.dumps(dict(pairs), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha384(text.encode("utf-8")).hexdigest()


def sign_register(session_id: str, merchant_id: int, amount: int, currency: str, crc: str) -> str:
    """``sign`` of transaction/register: SHA-384 of {"sessionId","merchantId","amount","currency","crc"}."""
    return _sign(
        [
            ("sessionId", session_id),
            ("merchantId", merchant_id),
            ("amount", amount),
            ("currency", currency),
            ("crc", crc),
        ]
    )


def sign_verify(session_id: str, order_id: int, amount: int, currency: str, crc: str) -> str:
    """``sign`` of transaction/verify: SHA-384 of {"sessionId","orderId","amount","currency","crc"}."""
    return _sign(
        [
            ("sessionId", session_id),
            ("orderId", order_id),
            ("amount", amount),
            ("currency", currency),
            ("crc", crc),
        ]
    )


@dataclass
class _Reply(Reply):
    reason: str | None = None  # why it was refused, for the request log


@dataclass
class _Failure:
    path_substring: str
    status: int
    body: Any
    times: int


def _error(status: int, message: str, reason: str | None = None) -> _Reply:
    return _Reply(status, {"error": message, "code": status}, reason=reason or message)


def _invalid(reason: str) -> _Reply:
    return _error(400, INVALID_INPUT, reason)


def _check_fields(
    body: Any, fields: dict[str, tuple[str, int | None]], required: tuple[str, ...]
) -> _Reply | None:
    """Presence, JSON type and length of each field; None when all is well."""
    if not isinstance(body, dict):
        return _invalid("the body is not a JSON object")
    for name in required:
        if name not in body or body[name] is None:
            return _invalid(f"missing field {name}")
    for name, (kind, max_length) in fields.items():
        if name not in body or (body[name] is None and name not in required):
            continue
        value = body[name]
        ok = {
            # JSON integers only: bool is an int subclass in Python, 1000.0 and "1000" are not ints.
            "int": type(value) is int,
            "str": isinstance(value, str),
            "bool": isinstance(value, bool),
            "list": isinstance(value, list),
            "dict": isinstance(value, dict),
        }[kind]
        if not ok:
            return _invalid(f"field {name} must be a JSON {kind}, got {type(value).__name__} {value!r}")
        if kind == "str":
            if max_length is not None and len(value) > max_length:
                return _invalid(f"field {name} is longer than {max_length} characters")
            if name in required and not value.strip():
                return _invalid(f"field {name} is empty")
    return None


class P24Server(FakeServer):
    """Fake Przelewy24 on ``127.0.0.1:<free port>``; use as a context manager.

    ``transactions[sessionId]`` holds: ``body`` (the register body as received), ``token``,
    ``orderId`` (300000001, 300000002, ... in order of registration), ``status`` (0 unpaid,
    1 advance payment, 2 verified), ``verified``, ``verify_calls`` (verify requests naming this
    session that got past auth and the field checks, successful or not), ``polls``
    (authenticated by/sessionId requests), ``paid_amount``, ``pay_after_polls``, ``pay_amount``,
    ``registered_at``, ``paid_at``.

    ``requests`` lists every request, in order: ``method``, ``path`` (as sent, with the query),
    ``headers`` (dict), ``json`` (parsed body or None), ``body`` (raw text), ``status`` (answer
    status, None for a dropped connection), ``response`` (the answer body) and ``reason`` (why it
    was refused, or None).
    """

    def __init__(
        self,
        merchant_id: int = 999999,
        pos_id: int | None = None,
        api_key: str = "api-key",
        crc: str = "crc-key",
    ):
        super().__init__()
        self.merchant_id = merchant_id
        self.pos_id = merchant_id if pos_id is None else pos_id
        self.api_key = api_key
        self.crc = crc
        self.transactions: dict[str, dict[str, Any]] = {}
        self._next_order_id = FIRST_ORDER_ID
        self._failures: list[_Failure] = []
        self._down: bool = False
        self._down_status: int | None = None
        # pay_later() for a session not registered yet (key) or for every later one (key None)
        self._pending_pay: dict[str | None, tuple[int, int | None]] = {}
        self._tamper: dict[str, Any] = {}
        self._redirect: tuple[int, str] | None = None

    @property
    def auth(self) -> tuple[str, str]:
        """The good Basic credentials: (str(posId), api key)."""
        return (str(self.pos_id), self.api_key)

    def payment_url(self, token: str) -> str:
        return f"{self.url}{PAYMENT_PAGE_PREFIX}{token}"

    @property
    def last_session_id(self) -> str:
        """sessionId of the most recently registered transaction."""
        with self._lock:
            if not self.transactions:
                raise LookupError("no transaction has been registered")
            return next(reversed(self.transactions))

    # --- control ---------------------------------------------------------------------------

    def pay(self, session_id: str | None = None, amount: int | None = None, status: int = 1) -> int:
        """The customer pays now: status 1 (advance payment). Returns the orderId.

        ``session_id`` None means the most recently registered transaction. ``amount`` is what
        was paid (default: the registered amount); when it differs, by/sessionId shows it and
        verify is refused. ``status=2`` makes by/sessionId say "payment made" although nobody
        verified it. Paying an already paid transaction changes nothing.
        """
        with self._lock:
            sid = self.last_session_id if session_id is None else session_id
            if sid not in self.transactions:
                raise KeyError(f"no registered transaction with sessionId {sid!r}")
            order_id = self._mark_paid(self.transactions[sid], amount)
            if status != 1:
                self.transactions[sid]["status"] = status
            return order_id

    def tamper(self, **fields: Any) -> None:
        """Every later by/sessionId answer has these fields changed (``MISSING``: left out), e.g.
        ``tamper(amount="2900")``, ``tamper(orderId=MISSING)``, ``tamper(sessionId="other")``."""
        with self._lock:
            self._tamper.update(fields)

    def redirect(self, location: str, status: int = 307) -> None:
        """Every API request is answered ``status`` with ``Location: location`` (a wrong base_url)."""
        with self._lock:
            self._redirect = (status, location)

    def pay_later(
        self, session_id: str | None = None, after_polls: int = 1, amount: int | None = None
    ) -> None:
        """The transaction becomes paid (status 1) once ``after_polls`` by/sessionId polls have been
        answered: with after_polls=2 the 1st and 2nd polls get 404 and the 3rd gets 200.

        ``session_id`` may name a transaction not registered yet (applied when it registers);
        None applies to every transaction registered from now on. after_polls=0 means paid by the
        first poll (for an already registered transaction: paid now).
        """
        if after_polls < 0:
            raise ValueError("after_polls must be >= 0")
        with self._lock:
            if session_id is not None and session_id in self.transactions:
                transaction = self.transactions[session_id]
                transaction["pay_after_polls"] = transaction["polls"] + after_polls
                transaction["pay_amount"] = amount
                self._maybe_pay_by_polls(transaction)
            else:
                self._pending_pay[session_id] = (after_polls, amount)

    def fail_next(
        self, path_substring: str = "", status: int = 500, body: Any = None, times: int = 1
    ) -> None:
        """The next ``times`` requests whose path contains ``path_substring`` get ``status``/``body``
        instead of being processed (before auth). ``body`` None gives P24's
        ``{"error": "Undefined error", "code": 500}`` shape (the status's phrase for other codes);
        a dict/list is sent as JSON, a str/bytes as text/plain. Rules are used in the order given.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        if body is None:
            message = "Undefined error" if status == 500 else HTTPStatus(status).phrase
            body = {"error": message, "code": status}
        with self._lock:
            self._failures.append(_Failure(path_substring, status, body, times))

    def down(self, status: int | None = None) -> None:
        """Every request is read, then its connection closed without an answer (the client sees a
        connection error). With ``status`` (e.g. 503) every request gets that status instead."""
        with self._lock:
            self._down = True
            self._down_status = status

    def up(self) -> None:
        with self._lock:
            self._down = False
            self._down_status = None

    # --- internals -------------------------------------------------------------------------

    def _mark_paid(self, transaction: dict[str, Any], amount: int | None) -> int:
        if transaction["status"] == 0:
            transaction["status"] = 1
            transaction["paid_amount"] = transaction["body"]["amount"] if amount is None else amount
            transaction["paid_at"] = datetime.now().strftime(P24_DATE)
        return transaction["orderId"]

    def _maybe_pay_by_polls(self, transaction: dict[str, Any]) -> None:
        target = transaction["pay_after_polls"]
        if target is not None and transaction["polls"] >= target:
            self._mark_paid(transaction, transaction["pay_amount"])
            transaction["pay_after_polls"] = None

    def _serve(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[dict[str, Any], _Reply]:
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        entry: dict[str, Any] = {
            "method": method,
            "path": raw_path,
            "headers": headers,
            "json": parsed,
            "body": raw.decode("utf-8", "replace"),
            "status": None,
            "response": None,
            "reason": None,
        }
        with self._lock:
            self.requests.append(entry)
            reply = self._route(method, raw_path, headers, raw, parsed)
            entry["status"] = reply.status
            entry["response"] = reply.body
            entry["reason"] = reply.reason
        return entry, reply

    def _route(self, method: str, raw_path: str, headers: dict[str, str], raw: bytes, parsed: Any) -> _Reply:
        if self._down:
            if self._down_status is None:
                return _Reply(None, reason="down: connection dropped")
            return _Reply(
                self._down_status,
                {"error": HTTPStatus(self._down_status).phrase, "code": self._down_status},
                reason="down",
            )
        if self._redirect is not None and raw_path.startswith("/api/"):
            status, location = self._redirect
            return _Reply(status, "", headers={"Location": location}, reason="redirect")
        for failure in self._failures:
            if failure.path_substring in raw_path:
                failure.times -= 1
                if failure.times == 0:
                    self._failures.remove(failure)
                return _Reply(failure.status, failure.body, content_type_of(failure.body), reason="fail_next")

        path = raw_path.partition("?")[0]
        if path.startswith(PAYMENT_PAGE_PREFIX) and method == "GET":
            return self._payment_page(unquote(path[len(PAYMENT_PAGE_PREFIX) :]))
        routes = {
            TEST_ACCESS_PATH: ("GET", self._test_access),
            REGISTER_PATH: ("POST", self._register),
            VERIFY_PATH: ("PUT", self._verify),
        }
        if path in routes:
            wanted, handler = routes[path]
            argument: Any = parsed
        elif path.startswith(BY_SESSION_PREFIX) and len(path) > len(BY_SESSION_PREFIX):
            wanted, handler = "GET", self._by_session_id
            argument = unquote(path[len(BY_SESSION_PREFIX) :])
        else:
            return _error(404, "Not Found", f"no such endpoint {path}")
        if method != wanted:
            return _error(405, "Method Not Allowed", f"{path} takes {wanted}, not {method}")
        refused = self._check_auth(headers)
        if refused is not None:
            return refused
        if handler in (self._register, self._verify) and parsed is None and raw:
            return _invalid("the body is not JSON")
        return handler(argument)

    def _check_auth(self, headers: dict[str, str]) -> _Reply | None:
        scheme, _, encoded = header(headers, "authorization").strip().partition(" ")
        if scheme.lower() != "basic":
            return _error(401, INCORRECT_AUTH, "no Basic Authorization header")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return _error(401, INCORRECT_AUTH, "Authorization header is not valid base64")
        user, colon, password = decoded.partition(":")
        if not colon:
            return _error(401, INCORRECT_AUTH, "Authorization header has no user:password")
        if not (
            hmac.compare_digest(user.encode(), str(self.pos_id).encode())
            and hmac.compare_digest(password.encode(), self.api_key.encode())
        ):
            return _error(401, INCORRECT_AUTH, f"wrong user ({user!r}; want posId) or API key")
        return None

    def _check_account(self, body: dict[str, Any]) -> _Reply | None:
        if body["merchantId"] != self.merchant_id:
            return _invalid(f"merchantId {body['merchantId']} is not this account's ({self.merchant_id})")
        if body["posId"] != self.pos_id:
            return _invalid(f"posId {body['posId']} is not this account's ({self.pos_id})")
        return None

    def _test_access(self, _: Any) -> _Reply:
        return _Reply(200, {"data": True, "error": ""})

    def _register(self, body: Any) -> _Reply:
        refused = _check_fields(body, REGISTER_FIELDS, REGISTER_REQUIRED) or self._check_account(body)
        if refused is not None:
            return refused
        if body["amount"] < 1:
            return _invalid("amount must be at least 1 (lowest currency unit)")
        if body["language"] not in LANGUAGES:
            return _invalid(f"language {body['language']!r} is not one of {sorted(LANGUAGES)}")
        if not _EMAIL.fullmatch(body["email"]):
            return _invalid(f"email {body['email']!r} is not an e-mail address")
        for name in ("urlReturn", "urlStatus"):
            if name in body and not body[name].startswith(("http://", "https://")):
                return _invalid(f"{name} {body[name]!r} is not an http(s) URL")
        expected = sign_register(
            body["sessionId"], body["merchantId"], body["amount"], body["currency"], self.crc
        )
        if not hmac.compare_digest(body["sign"].encode(), expected.encode()):
            return _error(400, INCORRECT_SIGN, f"sign mismatch: want {expected}")
        session_id = body["sessionId"]
        if session_id in self.transactions:
            return _invalid(f"sessionId {session_id!r} is already registered")
        transaction: dict[str, Any] = {
            "body": body,
            "token": str(uuid.uuid4()).upper(),
            "orderId": self._next_order_id,
            "status": 0,
            "verified": False,
            "verify_calls": 0,
            "polls": 0,
            "paid_amount": None,
            "pay_after_polls": None,
            "pay_amount": None,
            "registered_at": datetime.now().strftime(P24_DATE),
            "paid_at": None,
        }
        self._next_order_id += 1
        self.transactions[session_id] = transaction
        rule = self._pending_pay.pop(session_id, None) or self._pending_pay.get(None)
        if rule is not None:
            transaction["pay_after_polls"], transaction["pay_amount"] = rule
        return _Reply(200, {"data": {"token": transaction["token"]}, "responseCode": 0})

    def _by_session_id(self, session_id: str) -> _Reply:
        transaction = self.transactions.get(session_id)
        if transaction is None:
            return _Reply(
                404, {"error": NOT_FOUND, "responseCode": 0}, reason=f"unknown sessionId {session_id!r}"
            )
        answer = self._transaction_info(session_id, transaction)
        transaction["polls"] += 1
        self._maybe_pay_by_polls(transaction)
        return answer

    def _transaction_info(self, session_id: str, transaction: dict[str, Any]) -> _Reply:
        if transaction["status"] == 0:
            return _Reply(404, {"error": NOT_FOUND, "responseCode": 0}, reason="not paid yet")
        body = transaction["body"]
        order_id = transaction["orderId"]
        data = {
            "statement": f"P24-{order_id % 1000:03d}-{order_id // 1000 % 1000:03d}-{order_id // 10**6:03d}",
            "orderId": order_id,
            "sessionId": session_id,
            "status": transaction["status"],
            "amount": transaction["paid_amount"],
            "currency": body["currency"],
            "date": transaction["registered_at"],
            "dateOfTransaction": transaction["paid_at"],
            "clientEmail": body["email"],
            "accountMD5": hashlib.md5(session_id.encode()).hexdigest(),
            "paymentMethod": body.get("method", 154),
            "description": body["description"],
            "clientName": body.get("client", ""),
            "clientAddress": body.get("address", ""),
            "clientCity": body.get("city", ""),
            "clientPostcode": body.get("zip", ""),
            "batchId": 0,
            "fee": "0",
        }
        for name, value in self._tamper.items():
            if value is MISSING:
                data.pop(name, None)
            else:
                data[name] = value
        return _Reply(200, {"data": data, "responseCode": 0})

    def _verify(self, body: Any) -> _Reply:
        refused = _check_fields(body, VERIFY_FIELDS, VERIFY_REQUIRED) or self._check_account(body)
        if refused is not None:
            return refused
        session_id = body["sessionId"]
        transaction = self.transactions.get(session_id)
        if transaction is not None:
            transaction["verify_calls"] += 1
        expected = sign_verify(session_id, body["orderId"], body["amount"], body["currency"], self.crc)
        if not hmac.compare_digest(body["sign"].encode(), expected.encode()):
            return _error(400, INCORRECT_SIGN, f"sign mismatch: want {expected}")
        if transaction is None:
            return _invalid(f"unknown sessionId {session_id!r}")
        registered = transaction["body"]
        if body["orderId"] != transaction["orderId"]:
            return _invalid(f"orderId {body['orderId']} is not {transaction['orderId']}")
        if body["amount"] != registered["amount"]:
            return _invalid(f"amount {body['amount']} is not the registered {registered['amount']}")
        if body["currency"] != registered["currency"]:
            return _invalid(f"currency {body['currency']!r} is not the registered {registered['currency']!r}")
        if transaction["status"] == 0:
            return _invalid("the transaction has not been paid")
        if transaction["paid_amount"] != registered["amount"]:
            return _invalid(f"paid {transaction['paid_amount']}, registered {registered['amount']}")
        transaction["status"] = 2
        transaction["verified"] = True
        return _Reply(200, {"data": {"status": "success"}, "responseCode": 0})

    def _payment_page(self, token: str) -> _Reply:
        for session_id, transaction in self.transactions.items():
            if transaction["token"] == token:
                page = f"<html><body><h1>Przelewy24 (fake)</h1><p>{session_id}</p></body></html>"
                return _Reply(200, page, HTML)
        return _Reply(404, "<html><body>Unknown token</body></html>", HTML, reason="unknown token")
