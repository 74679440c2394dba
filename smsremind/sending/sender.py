"""Hand claimed messages to the gateway: parallel workers, a rate limit, bounded retries.

Only the workers talk HTTP; the run's main thread claims messages and records
answers, so the database has one writer.  ``workers`` requests are in flight
at most and ``rate`` caps messages per second across all of them (a shared
token bucket; retries count too).

Retries (SPEC §4): TRANSIENT answers (certainly not processed) are retried
with back-off.  A ``Retry-After`` is the gateway's, not the message's: every
worker pauses until it has passed (:class:`Pause`), and a wait that would
take the run past :data:`MAX_WAIT` or past the end of the sending window
stops the run's sending instead: the messages wait for the next cron run,
and the run says so.  An UNKNOWN answer is retried only on a
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

from smsremind.i18n import N_, Later
from smsremind.sending.gateways.base import Gateway, Outcome, Result, Sms

log = logging.getLogger(__name__)

RETRIES = 3
BACKOFF = 0.5  # seconds before the first retry; doubles each time
MAX_WAIT = 60.0  # the longest a run pauses for Retry-After in all (cron starts one every few minutes)


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


class Pause:
    """The gateway's Retry-After, shared by every worker of the run.

    ``budget`` seconds from the start of the run is as long as the run may
    pause; a Retry-After reaching past that sets :attr:`stopped` and no
    further request is made.
    """

    def __init__(
        self,
        budget: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.clock, self.sleep = clock, sleep
        self.deadline = clock() + max(budget, 0.0)
        self.until = 0.0
        self.halt: Later | None = None  # why sending stopped: stored in English, said in the language
        self.lock = threading.Lock()

    def ask(self, seconds: float, gateway: str) -> None:
        """The gateway asked every request to wait ``seconds``."""
        with self.lock:
            until = self.clock() + seconds
            if until > self.deadline:
                text = N_(
                    "{gateway} asked to wait {seconds} s (Retry-After), longer than this run may "
                    "wait; sending stopped, the next run goes on"
                )
                self.halt = self.halt or Later(text, gateway=gateway, seconds=f"{seconds:.0f}")
            self.until = max(self.until, until)

    @property
    def stopped(self) -> str | None:
        """The reason a message not sent because of the stop keeps (English, as stored)."""
        return str(self.halt) if self.halt else None

    def wait(self) -> bool:
        """Sleep out the pause; False when the run must stop sending."""
        with self.lock:
            if self.stopped:
                return False
            left = self.until - self.clock()
        if left > 0:
            self.sleep(left)
        return True


def deliver(
    gateway: Gateway,
    sms: Sms,
    now: datetime,
    resend: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    limit: RateLimit | None = None,
    pause: Pause | None = None,
) -> Delivery:
    """Send one message with retries; raises GatewayError when the gateway refuses to work."""
    attempts, uncertain = 0, False
    pause = pause or Pause(MAX_WAIT, sleep=sleep)
    while True:
        if not pause.wait():
            stopped = Result(Outcome.UNKNOWN if uncertain else Outcome.TRANSIENT, reason=pause.stopped)
            return Delivery(stopped, attempts)
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
        if result.retry_after is not None:
            pause.ask(result.retry_after, gateway.name)
        else:
            sleep(BACKOFF * 2 ** (attempts - 1))


class Dispatcher:
    """A pool of ``workers`` threads sending through one gateway under one rate limit."""

    def __init__(
        self,
        gateway: Gateway,
        workers: int,
        rate: float,
        now: datetime,
        sleep: Callable[[float], None] = time.sleep,
        patience: float = MAX_WAIT,
    ):
        self.gateway, self.now, self.sleep = gateway, now, sleep
        self.workers = max(workers, 1)
        self.limit = RateLimit(rate, sleep=sleep)
        self.pause = Pause(min(patience, MAX_WAIT), sleep=sleep)
        self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="smsremind-send")

    def submit(self, sms: Sms, resend: bool = False) -> Future[Delivery]:
        args = (self.gateway, sms, self.now, resend, self.sleep, self.limit, self.pause)
        return self.pool.submit(deliver, *args)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
