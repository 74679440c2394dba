"""What the HTTP gateways share: a pooled session, timeouts, and reading failures.

The question after every failed request is "could the gateway have processed
it?".  The session's connections note, per thread, the moment a request has
been written out completely.  A failure before that (DNS, connect, TLS
handshake, proxy, a connection closed while we were still writing) means no:
TRANSIENT, retried.  A failure after it (a read timeout, a dropped
connection, an unreadable answer) means maybe: UNKNOWN.  429 and 5xx answers
mean no (TRANSIENT), as SMSAPI and SMSbrána document; Twilio reads its own.

urllib3 logs each request line at debug level (``-vv``); a query string
(SMSbrána's carries the patient's number and text) is cut from those lines.

Redirects are never followed: a 307 would send the patient's number and text
to another host, a 302 would turn the POST into a GET.  A 3xx answer means
``base_url`` is wrong, and stops the run with one line (nothing was sent).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from smsremind.errors import GatewayError
from smsremind.i18n import _
from smsremind.rules.reasons import RATE_LIMITED
from smsremind.sending.gateways.base import Outcome, Result

_written = threading.local()  # .done: the current request of this thread went out in full


class _NoQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                f"{arg.partition('?')[0]}?…" if isinstance(arg, str) and "?" in arg else arg
                for arg in record.args
            )
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_NoQuery())


class _MarkingHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        super().request(*args, **kwargs)  # connects (and shakes hands) first, then writes it all
        _written.done = True


class _MarkingHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        super().request(*args, **kwargs)
        _written.done = True


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _MarkingHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _MarkingHTTPSConnection


def _mark(manager: PoolManager) -> PoolManager:
    manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


class _Adapter(HTTPAdapter):
    """requests' adapter whose connections (direct or through a proxy) mark written requests."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _mark(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        return _mark(super().proxy_manager_for(proxy, **kwargs))


def session(workers: int) -> requests.Session:
    """One pooled session per run: connections are reused across messages and workers.

    The pool holds a connection for each worker and one for the run's main
    thread (look-ups, delivery reports), so none is ever discarded with
    urllib3's "Connection pool is full" warning.
    """
    s = requests.Session()
    adapter = _Adapter(pool_connections=1, pool_maxsize=max(workers, 1) + 1, max_retries=0)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


def request(
    http: requests.Session, method: str, url: str, timeout: float, gateway: str, **kwargs: Any
) -> requests.Response | Result:
    """One request, redirects refused; a request that failed comes back as the Result to act on."""
    _written.done = False
    try:
        response = http.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.RequestException as exc:
        return failure(exc)
    if 300 <= response.status_code < 400:
        where = urlsplit(response.headers.get("Location", ""))  # the host only: the query may hold a number
        target = f"{where.scheme}://{where.netloc}" if where.netloc else ""
        text = (
            _(
                "{gateway} answered HTTP {status}, a redirect to {target}; smsremind never follows "
                "a gateway's redirect (nothing was sent): check [gateway] base_url"
            )
            if target
            else _(
                "{gateway} answered HTTP {status}, a redirect; smsremind never follows "
                "a gateway's redirect (nothing was sent): check [gateway] base_url"
            )
        )
        raise GatewayError(text.format(gateway=gateway, status=response.status_code, target=target))
    return response


def send(
    http: requests.Session, method: str, url: str, timeout: float, gateway: str, **kwargs: Any
) -> requests.Response | Result:
    """:func:`request`, and a 429/5xx answer comes back as the TRANSIENT Result it is."""
    response = request(http, method, url, timeout, gateway, **kwargs)
    if isinstance(response, Result):
        return response
    return http_error(response.status_code, response.headers.get("Retry-After")) or response


def json_object(response: requests.Response) -> dict[str, Any] | None:
    """The answer's JSON object; None when it is anything else (HTML, garbage, a list)."""
    try:
        doc = response.json()
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def failure(exc: requests.RequestException) -> Result:
    """Classify a failed request by whether it had gone out in full (see the module docstring)."""
    if not getattr(_written, "done", False):
        return Result(Outcome.TRANSIENT, reason=f"gateway unreachable ({type(exc).__name__})")
    return Result(Outcome.UNKNOWN, reason=f"no answer after sending ({type(exc).__name__})")


def http_error(status: int, retry_after: str | None) -> Result | None:
    """429 and 5xx: the gateway did not take the message."""
    if status == 429:
        return Result(Outcome.TRANSIENT, reason=RATE_LIMITED, retry_after=wait_of(retry_after))
    if status >= 500:
        return Result(Outcome.TRANSIENT, reason=f"gateway error {status}")
    return None


def wait_of(retry_after: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), None if absent or bad."""
    value = (retry_after or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
