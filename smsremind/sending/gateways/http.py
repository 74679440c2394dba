"""What the HTTP gateways share: a pooled session, timeouts, and reading failures.

The question after every failed request is "could the gateway have processed
it?".  A refused or timed-out *connect* means no; a read timeout, a dropped
connection or an unreadable answer after the request went out means maybe
(UNKNOWN); 429 and 5xx mean no (TRANSIENT), as the gateways document.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

from smsremind.sending.gateways.base import Outcome, Result


def session(workers: int) -> requests.Session:
    """One pooled session per run: connections are reused across messages and workers."""
    s = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(workers, 1), max_retries=0)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


def post(
    http: requests.Session, url: str, data: dict[str, str], timeout: float
) -> requests.Response | Result:
    """POST a form; a failed request or a 429/5xx answer comes back as the Result to act on."""
    try:
        response = http.post(url, data=data, timeout=timeout)
    except requests.RequestException as exc:
        return failure(exc)
    return http_error(response.status_code, response.headers.get("Retry-After"), None) or response


def failure(exc: requests.RequestException) -> Result:
    """Classify a requests exception (see the module docstring)."""
    if isinstance(exc, requests.ConnectTimeout) or _refused(exc):
        return Result(Outcome.TRANSIENT, reason=f"gateway unreachable ({type(exc).__name__})")
    return Result(Outcome.UNKNOWN, reason=f"no answer after sending ({type(exc).__name__})")


def _refused(exc: requests.RequestException) -> bool:
    """True when the TCP connection was never made (so nothing was sent)."""
    text = repr(exc)
    return isinstance(exc, requests.ConnectionError) and (
        "NewConnectionError" in text or "Connection refused" in text or "NameResolutionError" in text
    )


def http_error(status: int, retry_after: str | None, body: Any) -> Result | None:
    """429 and 5xx: the gateway did not take the message."""
    if status == 429:
        wait = float(retry_after) if retry_after and retry_after.isdigit() else None
        return Result(Outcome.TRANSIENT, reason="rate limited by the gateway (429)", retry_after=wait)
    if status >= 500:
        return Result(Outcome.TRANSIENT, reason=f"gateway error {status}")
    return None
