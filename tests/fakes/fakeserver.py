"""Plumbing shared by the local HTTP fakes of the tests (P24, SMSAPI, SMSbrána, Twilio).

Each fake is a real HTTP/1.1 server on ``127.0.0.1:<free port>`` (keep-alive, a thread a connection)
that subclasses :class:`FakeServer` and keeps only its API: routing, auth, validation, bodies, and
what its faults look like and which requests take them. It implements ``_serve(method, path,
headers, raw) -> (entry, reply)``: it logs the request as ``entry`` in ``requests`` (keys of its
own, usually through ``_logged``; a ``t_end`` key, if any, is stamped just before the answer leaves,
so a client that has its answer finds it set) and answers ``reply`` (:class:`Reply`; status None:
close the connection without a byte of answer). The SMS gateway fakes add the fault queue of
:class:`FaultyFakeServer`.

``stop()`` does not hang: it wakes sleeping request threads (nothing is answered after it), knocks
so that ``serve_forever`` notices at once, and shuts kept-alive connections down.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"


@dataclass
class Reply:
    status: int | None  # None: close the connection without answering
    body: Any = None  # dict/list -> JSON; str/bytes -> sent as is
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    wait: float = 0.0  # seconds between processing and answering

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def text_reply(status: int, body: str | bytes, content_type: str = TEXT, **headers: str) -> Reply:
    return Reply(status, body, content_type, dict(headers))


def content_type_of(body: Any) -> str:
    """A body given by a test: str/bytes go out as text, anything else as JSON."""
    return TEXT if isinstance(body, str | bytes) else JSON


def error_page(status: int) -> str:
    """A web server's HTML error page, e.g. ``<h1>503 Service Unavailable</h1>``."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return f"<html><body><h1>{status} {phrase}</h1></body></html>"


def header(headers: dict[str, str], name: str) -> str:
    """A request header by case-insensitive name, "" when absent."""
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    timeout = 30  # idle keep-alive connections give up after this

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle + delayed ACK cost 40 ms a request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean; the fake's ``requests`` is the log

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        fake = self.server.fake
        entry, reply = fake._serve(self.command, self.path, dict(self.headers.items()), raw)
        answer = fake._sleep(reply.wait)  # not under the lock: other requests go on meanwhile
        if entry is not None and "t_end" in entry:
            with fake._lock:
                entry["t_end"] = time.monotonic()
        if not answer or reply.status is None:
            self.close_connection = True  # closed once this returns: no answer at all
            return
        payload = reply.payload()
        try:
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


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # many concurrent clients connect at once in the throughput benchmark

    def __init__(self, fake: FakeServer):
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), fake._handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the fault suite does that) is not a server error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def track(self, connection: socket.socket, add: bool) -> None:
        with self._connections_lock:
            (self._connections.add if add else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """End kept-alive and in-flight client connections so nothing is served after stop()."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class FakeServer:
    """Base of a fake on ``127.0.0.1:<free port>``; use as a context manager (or start()/stop())."""

    methods: ClassVar[tuple[str, ...]] = ("GET", "POST", "PUT", "DELETE", "PATCH")
    _handler: ClassVar[type[_Handler]] = _Handler

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handle = {f"do_{method}": _Handler._handle for method in cls.methods}
        cls._handler = type(f"_{cls.__name__}Handler", (_Handler,), handle)

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _serve(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[dict[str, Any] | None, Reply]:
        """Log and answer one request (``raw_path`` as sent, with the query; ``raw`` the body)."""
        raise NotImplementedError

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stopping = threading.Event()
        self._server = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; returns at once, also while request threads sleep (delay, hang)."""
        if self._server is None:
            return
        self._stopping.set()  # wakes every sleeping request thread
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

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running; use start() or a with block")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123`` (what the client gets instead of the real host)."""
        return f"http://127.0.0.1:{self.port}"

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless stop() is called; False when stopping."""
        if seconds > 0:
            self._stopping.wait(seconds)
        return not self._stopping.is_set()

    def _logged(self, entry: dict[str, Any], answer: Callable[[], Reply]) -> tuple[dict[str, Any], Reply]:
        """Log ``entry`` with ``t_start`` and ``t_end``, get the reply from ``answer``, and log its
        ``status`` and ``response`` (bytes as text; None when dropped)."""
        entry.update(t_start=time.monotonic(), t_end=None)
        with self._lock:
            self.requests.append(entry)
        reply = answer()
        with self._lock:
            entry["status"] = reply.status
            body = reply.body
            entry["response"] = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        return entry, reply


@dataclass
class Fault:
    """A queued fault rule; ``times`` counts its uses down."""

    kind: str  # fail, rate_limit, business, drop, garbage, hang, accept_drop, accept_fail
    times: int
    status: int = 500
    body: Any = None
    code: int = 0
    seconds: float = 0.0
    accepted: bool = True  # garbage: the request is processed (a valid message accepted) first

    @property
    def accepts(self) -> bool:
        """hang, accept_drop, accept_fail, garbage: the request is processed, then its answer is held
        back, dropped, replaced by an error or spoiled. The others refuse it: it is not processed at all."""
        return self.kind in ("hang", "accept_drop", "accept_fail") or (
            self.kind == "garbage" and self.accepted
        )


class FaultyFakeServer(FakeServer):
    """A fake with a queue of faults for the client's error handling, used in the order queued.

    The fake picks the requests that take a fault ("the next requests" below), when ``delay`` is
    waited, and what a failure looks like (``_fail_reply``, ``_rate_limit_reply``, ``garbage_body``,
    its own ``business_error_next``). See :attr:`Fault.accepts` for refusing and accepting faults.
    """

    garbage_body: ClassVar[str | bytes] = ""  # garbage_next() answers this as text/html

    def __init__(self) -> None:
        super().__init__()
        self._faults: list[Fault] = []
        self._delay = 0.0

    def delay(self, seconds: float) -> None:
        """Every answer (any endpoint, faults included) comes ``seconds`` late; 0 switches it off."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        with self._lock:
            self._delay = float(seconds)

    def fail_next(self, status: int = 500, times: int = 1, body: Any = None) -> None:
        """The next ``times`` requests get HTTP ``status`` (``body``; None: the fake's error page)."""
        self._queue(Fault("fail", times, status=status, body=body))

    def rate_limit_next(self, times: int = 1, retry_after: float = 1) -> None:
        """The next ``times`` requests get HTTP 429, unprocessed (``Retry-After: retry_after``)."""
        self._queue(Fault("rate_limit", times, status=429, seconds=float(retry_after)))

    def accept_then_hang_next(self, seconds: float, times: int = 1) -> None:
        """The next ``times`` requests are processed (a message accepted) and answered ``seconds`` later."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self._queue(Fault("hang", times, seconds=float(seconds)))

    def accept_then_drop_next(self, times: int = 1) -> None:
        """The next ``times`` requests are processed, then the connection is closed unanswered."""
        self._queue(Fault("accept_drop", times))

    def drop_next(self, times: int = 1) -> None:
        """The next ``times`` requests are read, not processed, and the connection closed unanswered."""
        self._queue(Fault("drop", times))

    def garbage_next(self, times: int = 1, accepted: bool = True) -> None:
        """The next ``times`` requests get a body the client cannot parse, processed first if ``accepted``."""
        self._queue(Fault("garbage", times, accepted=accepted))

    def reset_faults(self) -> None:
        """Forget every queued fault and switch the delay off."""
        with self._lock:
            self._faults.clear()
            self._delay = 0.0

    def _queue(self, fault: Fault) -> None:
        if fault.times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, accepting: bool | None = None) -> Fault | None:
        """Use the first queued fault once; None if there is none or it does not accept as wanted."""
        with self._lock:
            if not self._faults or (accepting is not None and self._faults[0].accepts != accepting):
                return None
            fault = self._faults[0]
            fault.times -= 1
            if fault.times == 0:
                self._faults.pop(0)
            return fault

    def _fail_reply(self, fault: Fault) -> Reply:
        raise NotImplementedError

    def _rate_limit_reply(self, fault: Fault) -> Reply:
        return text_reply(429, "Too Many Requests", **{"Retry-After": f"{fault.seconds:.0f}"})

    def _garbage_reply(self, status: int = 200) -> Reply:
        return Reply(status, self.garbage_body, HTML)

    def _refusal(self, fault: Fault) -> Reply:
        """The answer of a refusing fault other than ``business`` (whose answer is the API's)."""
        if fault.kind == "fail":
            return self._fail_reply(fault)
        if fault.kind == "rate_limit":
            return self._rate_limit_reply(fault)
        if fault.kind == "drop":
            return Reply(None)
        return self._garbage_reply()

    def _with_fault(
        self,
        fault: Fault | None,
        entry: dict[str, Any],
        process: Callable[[], Reply],
        business: Callable[[int], Reply],
    ) -> Reply:
        """Answer a request that took ``fault`` (or None) before ``process`` (run under the lock);
        ``business(code)`` answers a business error. The fault is noted in ``entry``."""
        if fault is not None:
            entry["fault"] = fault.kind
            entry["reason"] = f"fault: {fault.kind}"
            if not fault.accepts:
                return business(fault.code) if fault.kind == "business" else self._refusal(fault)
        with self._lock:
            reply = process()
        if fault is None:
            return reply
        if fault.kind == "garbage":
            return self._garbage_reply()
        if fault.kind == "accept_drop":
            return Reply(None)
        # hang: the message is recorded; the answer waits (outside the lock: others go on)
        return reply if self._sleep(fault.seconds) else Reply(None)


def count_parts(costs: list[int], single: int, multi: int) -> int:
    """SMS parts of a text whose characters cost ``costs`` units: one part up to ``single`` units,
    else parts of ``multi`` units each, a character never split across two parts (GSM 03.40)."""
    if sum(costs) <= single:
        return 1
    parts, room = 1, multi
    for cost in costs:
        if cost > room:
            parts += 1
            room = multi
        room -= cost
    return parts
