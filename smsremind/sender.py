"""Hand claimed messages to the gateway, with bounded retries (SPEC §4).

Only TRANSIENT answers are retried: the gateway has told us the message was
certainly not processed (connect error, 429, 5xx before acceptance).  An
idempotent gateway may also be asked again after a timeout, since it
recognises the key; the gateway module decides that and answers TRANSIENT
or UNKNOWN accordingly.  Back-off honours a gateway's Retry-After.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from smsremind.gateways.base import Gateway, Outcome, Result, Sms

RETRIES = 3
BACKOFF = 0.5  # seconds before the first retry; doubles each time
MAX_WAIT = 10.0


@dataclass
class Delivery:
    result: Result
    attempts: int


def deliver(
    gateway: Gateway,
    sms: Sms,
    now: datetime,
    resend: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send one message, retrying transient failures; raises GatewayError on fatal ones."""
    attempts = 0
    while True:
        attempts += 1
        result = gateway.send(sms, now, resend=resend or attempts > 1)
        if result.outcome is not Outcome.TRANSIENT or attempts > RETRIES:
            return Delivery(result, attempts)
        wait = result.retry_after if result.retry_after is not None else BACKOFF * 2 ** (attempts - 1)
        sleep(min(wait, MAX_WAIT))
