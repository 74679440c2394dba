"""A local fake of the SerwerSMS.pl HTTPS API v2 for tests: real HTTP on 127.0.0.1.

Sources (facts only; no code copied): the official docs dev.serwersms.pl/en/https-api-v2/… (sending,
unique_id, reports, incomming messages, account balance, black list, general communications) and the
official clients SerwerSMSpl/serwersms-php-api-v2 (src/SerwerSMS.php, src/SerwerSMS/Messages.php,
Account.php, Blacklist.php @ 36445a6c8ba6487d934919e1e5dc2c2c64882fe9) and
SerwerSMSpl/serwersms-python-api (serwersms/serwersms.py @ 67da36f80a9327d24c07523afaadb8cc7e7e3c02).

Transport: every action is ``POST /<action>.json`` with a JSON object body and
``Authorization: Bearer <token>`` (the clients' auth since 2022). Errors come as HTTP 200 with
``{"error": {"code", "type", "message"}}`` (1001 InvalidUser for a missing or wrong token, 1006
InvalidData for a body that is not a JSON object, 1000 InvalidAction for an unknown action).

Actions faked:

* ``messages/send_sms``: ``phone`` (string or list), ``text``, optional ``sender`` (empty = SMS
  ECO+, else SMS FULL; ``"2waySMS"`` = FULL from a random 9-digit number that can be answered),
  ``unique_id`` (string or list in the order of ``phone``, ``[a-zA-Z0-9]{3,50}``; a count mismatch
  or a bad id sends nothing: error 2000), ``details``, ``test`` (validate, send nothing). Answer
  ``{"success", "queued", "unsent", "items": [{"id" (10 hex chars), "phone", "status"
  ("queued"|"unsent"), "queued", "parts", "text"[, "error_code", "error_message"]}]}`` (items with
  ``details``). An invalid number is an ``unsent`` item (2001). A repeated ``unique_id`` is sent
  again: duplicate control is an account option the docs don't describe the answer of.
  The FULL limit (:attr:`FakeSerwersms.full_limit`) falls by the parts; exhausted: error 3002.
* ``messages/reports``: ``id`` or ``unique_id`` (string or list) → ``{"paging", "items": [{"id",
  "phone", "status", "queued", "sent", "delivered", "sender", "type", "text", "parts",
  "unique_id"[, "reason"]}]}``; status ``in_progress`` until :meth:`FakeSerwersms.set_delivery`.
* ``messages/recived``: ``type`` (eco|nd|ndi|mms, empty = all), ``date_from``/``date_to``
  (``YYYY-MM-DD HH:MM:SS``, Warsaw time), ``read`` (true: returned once, then marked read),
  ``page``, ``limit`` → ``{"paging": {"page", "count"}, "items": [{"id", "type", "phone",
  "recived", ["message_id" (ECO only),] "blacklist", "text"}]}`` (put there by
  :meth:`FakeSerwersms.receive`).
* ``account/limits`` → ``{"items": [{"type", "chars_limit", "value" (a string)}]}`` (+ ``account``
  with ``show_type``).
* ``blacklist/index`` (``page``, ``limit``) → ``{"paging", "items": [{"phone", "added"}]}``.

Faults (:class:`tests.fakes.fakeserver.FaultyFakeServer`) apply to ``messages/send_sms`` only.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.fakes.fakeserver import Fault, FaultyFakeServer, Reply, error_page, header, text_reply

WARSAW = ZoneInfo("Europe/Warsaw")
STAMP = "%Y-%m-%d %H:%M:%S"
UNIQUE_ID = re.compile(r"[A-Za-z0-9]{3,50}")
ERRORS = {
    1000: ("InvalidAction", "No action specified"),
    1001: ("InvalidUser", "Incorrect login or password"),
    1006: ("InvalidData", "Invalid data format"),
    2000: ("ValidationRequiredError", "Missing required parameters"),
    2001: ("ValidationPhoneError", "Invalid phone number"),
    3002: ("SendError", "Limit of SMS FULL exhausted"),
    3101: ("SendError", "Message is empty"),
}
GARBAGE_BODY = "<html><body>502 Bad Gateway</body></html>"


def stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(WARSAW).strftime(STAMP)


def parts(text: str) -> int:
    """GSM-7 160/153 or UCS-2 70/67 (as every Polish gateway counts)."""
    gsm = all(ord(ch) < 128 for ch in text)
    single, multi = (160, 153) if gsm else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // multi)


def _error(code: int) -> Reply:
    kind, message = ERRORS[code]
    return Reply(200, {"error": {"code": code, "type": kind, "message": message}})


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


class FakeSerwersms(FaultyFakeServer):
    """Fake SerwerSMS.pl; ``accepted`` lists each message sent: ``id``, ``to``, ``text``, ``sender``,
    ``key`` (its unique_id), ``parts``, ``at``. ``invalid_numbers`` are refused (unsent, 2001)."""

    methods = ("GET", "POST")
    garbage_body = GARBAGE_BODY

    def __init__(self, token: str = "test-token", full_limit: int = 1_000_000):
        super().__init__()
        self.token = token
        self.full_limit = full_limit
        self.accepted: list[dict[str, Any]] = []
        self.invalid_numbers: set[str] = set()
        self.blacklist: list[str] = []
        self._messages: dict[str, dict[str, Any]] = {}
        self._incoming: list[dict[str, Any]] = []
        self._incoming_ids = 2477790

    # --- control ---------------------------------------------------------------------------

    def business_error_next(self, code: int, times: int = 1) -> None:
        """The next ``times`` sends get HTTP 200 ``{"error": {"code": code, …}}``, unprocessed."""
        if code not in ERRORS:
            raise ValueError(f"unknown code {code}; known: {sorted(ERRORS)}")
        self._queue(Fault("business", times, code=code))

    def set_delivery(self, gateway_id: str, status: str, reason: str | None = None) -> None:
        """``delivered`` | ``undelivered`` | ``sent`` | ``unsent`` | ``in_progress``."""
        with self._lock:
            self._messages[gateway_id].update(status=status, reason=reason, delivered=stamp())

    def receive(
        self,
        phone: str,
        text: str,
        at: datetime | None = None,
        message_id: str | None = None,
        kind: str = "eco",
    ) -> int:
        """A patient's SMS: an ECO reply linked to ``message_id``, or one to an ND/NDI number."""
        with self._lock:
            self._incoming_ids += 1
            item: dict[str, Any] = {
                "id": self._incoming_ids,
                "type": kind,
                "phone": phone,
                "recived": stamp(at),
            }
            if kind == "eco":
                item["message_id"] = message_id
            item.update(blacklist=phone in self.blacklist, text=text, read=False)
            self._incoming.append(item)
            return self._incoming_ids

    # --- internals -------------------------------------------------------------------------

    def _serve(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[dict[str, Any], Reply]:
        path = raw_path.split("?")[0]
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        entry: dict[str, Any] = {"method": method, "path": raw_path, "headers": headers, "params": body}
        entry.update(fault=None, reason=None, accepted_ids=[])
        return self._logged(entry, lambda: self._answer(method, path, headers, body, entry))

    def _answer(
        self, method: str, path: str, headers: dict[str, str], body: Any, entry: dict[str, Any]
    ) -> Reply:
        if not self._sleep(self._delay):
            return Reply(None)
        if method != "POST" or not path.endswith(".json"):
            return text_reply(404, "Not Found")
        action = path[1:-5]
        handlers = {
            "messages/send_sms": self._send,
            "messages/reports": self._reports,
            "messages/recived": self._recived,
            "account/limits": self._limits,
            "blacklist/index": self._blacklist,
        }
        if action not in handlers:
            return _error(1000)
        scheme, _, token = header(headers, "authorization").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self.token.encode()):
            entry["reason"] = "no valid Bearer token"
            return _error(1001)
        if not isinstance(body, dict):
            return _error(1006)
        if action != "messages/send_sms":
            with self._lock:
                return handlers[action](body, entry)
        fault = self._take_fault()
        return self._with_fault(fault, entry, lambda: self._send(body, entry), lambda code: _error(code))

    def _fail_reply(self, fault: Fault) -> Reply:
        if fault.body is None:
            return text_reply(fault.status, error_page(fault.status), "text/html")
        return Reply(fault.status, fault.body)

    def _send(self, body: dict[str, Any], entry: dict[str, Any]) -> Reply:
        phones, ids, text = _as_list(body.get("phone")), _as_list(body.get("unique_id")), body.get("text")
        if not phones or not isinstance(text, str):
            return _error(2000)
        if not text:
            return _error(3101)
        if ids and (len(ids) != len(phones) or not all(UNIQUE_ID.fullmatch(i) for i in ids)):
            return _error(2000)
        sender = str(body.get("sender") or "")
        cost = parts(text) * sum(p not in self.invalid_numbers for p in phones)
        if sender and cost > self.full_limit:
            return _error(3002)
        items = [
            self._one(phone, text, sender, ids[n] if ids else None, bool(body.get("test")))
            for n, phone in enumerate(phones)
        ]
        if sender and not body.get("test"):
            self.full_limit -= cost
        entry["accepted_ids"] = [i["id"] for i in items if i["status"] == "queued"]
        queued = sum(i["status"] == "queued" for i in items)
        answer: dict[str, Any] = {"success": True, "queued": queued, "unsent": len(items) - queued}
        if body.get("details"):
            answer["items"] = items
        return Reply(200, answer)

    def _one(self, phone: str, text: str, sender: str, key: str | None, test: bool) -> dict[str, Any]:
        gateway_id = secrets.token_hex(5)
        item = {"id": gateway_id, "phone": phone, "queued": stamp(), "parts": parts(text), "text": text}
        if phone in self.invalid_numbers or not re.fullmatch(r"\+?\d{9,15}", phone):
            return {**item, "status": "unsent", "error_code": 2001, "error_message": ERRORS[2001][1]}
        if test:
            return {**item, "status": "queued"}
        self._messages[gateway_id] = {
            **item,
            "status": "in_progress",
            "sender": sender or None,
            "type": "full" if sender else "eco",
            "unique_id": key,
            "sent": stamp(),
            "delivered": None,
            "reason": None,
        }
        self.accepted.append(
            {
                "id": gateway_id,
                "to": phone,
                "text": text,
                "sender": sender,
                "key": key,
                "parts": parts(text),
                "at": time.monotonic(),
            }
        )
        return {**item, "status": "queued"}

    def _reports(self, body: dict[str, Any], entry: dict[str, Any]) -> Reply:
        ids, keys = set(_as_list(body.get("id"))), set(_as_list(body.get("unique_id")))
        if not ids and not keys:
            return _error(2000)
        found = [m for m in self._messages.values() if m["id"] in ids or m["unique_id"] in keys]
        fields = (
            "id",
            "phone",
            "status",
            "queued",
            "sent",
            "delivered",
            "sender",
            "type",
            "text",
            "parts",
            "unique_id",
        )
        items = [{k: m[k] for k in fields} | ({"reason": m["reason"]} if m["reason"] else {}) for m in found]
        return Reply(200, {"paging": {"page": 1, "count": 1}, "items": items})

    def _recived(self, body: dict[str, Any], entry: dict[str, Any]) -> Reply:
        kind, lo, hi = body.get("type") or "", body.get("date_from") or "", body.get("date_to") or "9999"
        found = [
            i
            for i in self._incoming
            if (not kind or i["type"] == kind) and lo <= i["recived"] <= hi and not i["read"]
        ]
        page, limit = max(int(body.get("page", 1)), 1), min(max(int(body.get("limit", 50)), 1), 500)
        chosen = found[(page - 1) * limit : page * limit]
        if body.get("read"):
            for item in chosen:
                item["read"] = True
        count = max(-(-len(found) // limit), 1)
        items = [{k: v for k, v in i.items() if k != "read"} for i in chosen]
        return Reply(200, {"paging": {"page": page, "count": count}, "items": items})

    def _limits(self, body: dict[str, Any], entry: dict[str, Any]) -> Reply:
        items = [
            {"type": "eco", "chars_limit": "918/6", "value": "no_limit"},
            {"type": "full", "chars_limit": "918/6", "value": str(self.full_limit)},
            {"type": "voice", "chars_limit": "160/1", "value": "not_available"},
        ]
        return Reply(
            200, {"items": items} | ({"account": {"type": "prepaid"}} if body.get("show_type") else {})
        )

    def _blacklist(self, body: dict[str, Any], entry: dict[str, Any]) -> Reply:
        page, limit = max(int(body.get("page", 1)), 1), max(int(body.get("limit", 50)), 1)
        items = [{"phone": p, "added": "2026-11-02 12:25:10"} for p in self.blacklist]
        count = max(-(-len(items) // limit), 1)
        return Reply(
            200, {"paging": {"page": page, "count": count}, "items": items[(page - 1) * limit : page * limit]}
        )
