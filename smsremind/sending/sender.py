"""Hand claimed messages to the gateway: parallel workers, a rate limit, bounded retries.

Only the workers talk HTTP; the run's main thread claims messages and records
answers, so the database has one writer.  ``workers`` requests are in flight
at most and ``rate`` caps messages per second across all of them (a shared
token bucket; retries count too).

Retries (SPEC §4): TRANSIENT answers (certainly not processed) are retried
with back-off, honouring Retry-After.  An UNKNOWN answer is retried only on a
gateway with an idempotency key, with the same key, so the gateway tells us
whether the first attempt got through.  If any attempt was uncertain and none
settled it, the verdict stays UNKNOWN: the message must never be planned again
under a new key.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from smsremind.sending.gateways.base import Gateway, Outcome, Result, Sms

log = logging.getLogger(__name__)

RETRIES = 3
BACKOFF = 0.5  # seconds before the first retry; doubles each time
MAX_WAIT = 10.0


@dataclass
class Delivery:
    result: Result
    attempts: int


class RateLimit:
    """At most ``rate`` calls per second across threads (evenly spaced)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / rate
        self.clock, self.sleep = clock, sleep
        self.next = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = self.clock()
            slot = max(now, self.next)
            self.next = slot + self.interval
        if slot > now:
            self.sleep(slot - now)


def deliver(
    gateway: Gateway,
    sms: Sms,
    now: datetime,
    resend: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    limit: RateLimit | None = None,
) -> Delivery:
    """Send one message with retries; raises GatewayError when the gateway refuses to work."""
    attempts, uncertain = 0, False
    while True:
        if limit:
            limit.wait()
        attempts += 1
        started = time.monotonic()
        result = gateway.send(sms, now, resend=resend or attempts > 1)
        log.debug(
            "%s call for message %s, attempt %d: %s in %.0f ms%s",
            gateway.name,
            sms.key,
            attempts,
            result.outcome.name.lower(),
            1000 * (time.monotonic() - started),
            f" ({result.reason})" if result.reason else "",
        )
        if result.outcome in (Outcome.ACCEPTED, Outcome.REJECTED):
            return Delivery(result, attempts)
        if result.outcome is Outcome.UNKNOWN:
            uncertain = True
            if not gateway.idempotent:
                return Delivery(result, attempts)
        if attempts > RETRIES:
            if uncertain and result.outcome is not Outcome.UNKNOWN:
                result = Result(Outcome.UNKNOWN, reason=f"uncertain, then: {result.reason}")
            return Delivery(result, attempts)
        wait = result.retry_after if result.retry_after is not None else BACKOFF * 2 ** (attempts - 1)
        sleep(min(wait, MAX_WAIT))


class Dispatcher:
    """A pool of ``workers`` threads sending through one gateway under one rate limit."""

    def __init__(
        self,
        gateway: Gateway,
        workers: int,
        rate: float,
        now: datetime,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.gateway, self.now, self.sleep = gateway, now, sleep
        self.workers = max(workers, 1)
        self.limit = RateLimit(rate, sleep=sleep)
        self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="smsremind-send")

    def submit(self, sms: Sms, resend: bool = False) -> Future[Delivery]:
        return self.pool.submit(deliver, self.gateway, sms, self.now, resend, self.sleep, self.limit)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
