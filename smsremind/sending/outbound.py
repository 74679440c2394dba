"""The sending stage of a run: claim, send through the worker pool, record, recover.

The main thread claims each due message (committing it as ``sending``) and
hands it to :class:`smsremind.sending.sender.Dispatcher`; answers are recorded by
the main thread as they come back, so the database keeps a single writer.
At most two batches of ``workers`` messages are claimed ahead of their
answers, which keeps the parts they reserve from the quota small.

If the gateway refuses to work at all (credentials, credit), the message it
refused is held, nothing new is handed over, the answers already on their
way are recorded, and the error ends the run.

Recovery at the start of a run (SPEC §4): messages a killed run left in
``sending`` are resent with the same key on a gateway that has one (it then
reports "already accepted" if the first attempt got through). A resend is a
send: outside the window it waits for the next run inside it, and once too
late (a reminder's day is over, X1, or the visit has begun) the message is
settled as ``unknown`` instead, and so is one claimed longer ago than the
gateway remembers keys (``key_window``): a resend then could go out twice.
Without a key they become ``unknown`` at once (after a look-up where the
gateway allows one) and are listed by `status`.

A gateway's Retry-After longer than the run may wait stops the claiming:
what is left stays due for the next run (:class:`smsremind.sending.sender.Pause`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from smsremind.clock import from_store
from smsremind.config import Config
from smsremind.errors import SmsRemindError
from smsremind.rules import reasons
from smsremind.rules.messages import QUOTA, Planned, aware_lenient, in_window, load_stored
from smsremind.sending import journal
from smsremind.sending.gateways.base import Gateway, Outcome, Result
from smsremind.sending.report import describe
from smsremind.sending.sender import Delivery, Dispatcher
from smsremind.storage.store import Store

if TYPE_CHECKING:
    from smsremind.sending.report import RunReport

log = logging.getLogger(__name__)

NOT_RESENT_LATE, NO_KEY, KEY_EXPIRED = reasons.NOT_RESENT_LATE, reasons.NO_KEY, reasons.KEY_EXPIRED
# A resend goes out a little after the run's `now`: keep this much of the key window in hand.
KEY_MARGIN = timedelta(minutes=15)


class Outbound:
    def __init__(
        self,
        store: Store,
        cfg: Config,
        gateway: Gateway,
        now: datetime,
        report: RunReport,
        run_id: int | None,
        sleep: Callable[[float], None],
    ):
        self.store, self.cfg, self.gateway, self.now = store, cfg, gateway, now
        self.report, self.run_id = report, run_id
        workers, rate = (cfg.gateway.workers, cfg.gateway.rate) if gateway.remote else (1, float("inf"))
        self.dispatcher = Dispatcher(gateway, workers, rate, now, sleep, self._window_left())
        self.in_flight: dict[Future[Delivery], Planned] = {}
        self.fatal: SmsRemindError | None = None

    def _window_left(self) -> float:
        """Seconds until the sending window closes today (a Retry-After longer than that is useless)."""
        closes = aware_lenient(
            datetime.combine(self.now.date(), self.cfg.reminders.window[1]), self.cfg.timezone
        )
        return max((closes - self.now).total_seconds() + 60, 0.0)  # its last minute is in (in_window)

    def offer(self, p: Planned) -> None:
        """A due message: claim it and send it, or hold it when the quota is short."""
        if self.fatal:
            return
        if self.dispatcher.pause.stopped:  # the gateway asked for a longer wait than this run has
            self.report.deferred += 1
            return
        claimed = journal.claim(self.store, self.cfg, p, self.now, self.run_id)
        if claimed == journal.NO_QUOTA:
            p.status, p.reason = "held", QUOTA
            journal.record(self.store, p, self.now, self.run_id)
            log.info("held %s: %s", describe(p), QUOTA)
            self.report.add(p)
        elif claimed == journal.CLAIMED:
            log.info("claimed %s, %d parts", describe(p), p.parts)
            self._submit(p)

    def send_claimed(self, p: Planned) -> None:
        """A message its caller already committed as ``sending`` (an acknowledgement)."""
        if not self.fatal:
            self._submit(p)

    def _submit(self, p: Planned, resend: bool = False) -> None:
        while len(self.in_flight) >= 2 * self.dispatcher.workers:
            self._collect(FIRST_COMPLETED)
        assert p.message_id is not None
        future = self.dispatcher.submit(journal.as_sms(self.store, p.message_id), resend)
        self.in_flight[future] = p

    def _collect(self, until: str) -> None:
        done, _ = wait(list(self.in_flight), return_when=until)
        for future in done:
            self._record(self.in_flight.pop(future), future)

    def _record(self, p: Planned, future: Future[Delivery]) -> None:
        assert p.message_id is not None
        try:
            delivery = future.result()
        except SmsRemindError as exc:  # the gateway refused to work: this message did not go out
            self.fatal = self.fatal or exc
            delivery = Delivery(Result(Outcome.TRANSIENT, reason=str(exc)), 1)
        result = delivery.result
        if result.outcome is Outcome.UNKNOWN and not self.gateway.idempotent:
            result = self._look_up(p.message_id, result)
        self.report.handed += 1
        if result.outcome in (Outcome.ACCEPTED, Outcome.REJECTED):
            self.report.answered += 1
        else:
            self.report.trouble = result.reason or self.report.trouble
        self.report.stopped = self.dispatcher.pause.halt
        self._finish(p, result, delivery.attempts)

    def _finish(self, p: Planned, result: Result, attempts: int, retry_later: bool = True) -> None:
        """Record ``result``; an UNKNOWN stays ``sending`` for a keyed resend only if ``retry_later``."""
        assert p.message_id is not None
        keep = self.gateway.idempotent and retry_later
        p.status = journal.finish(self.store, self.cfg, p.message_id, result, self.now, attempts, keep)
        if p.status == "sent":
            p.reason = None
        elif p.status == "sending":
            p.reason = journal.RESOLVE_LATER
        else:
            p.reason = result.reason or journal.GATEWAY_UNAVAILABLE
        if result.parts:
            p.parts = result.parts
        if p.status == "sent":
            log.info("sent %s: gateway id %s, %d parts", describe(p), result.gateway_id, p.parts)
        else:
            log.info("%s %s: %s", p.status, describe(p), p.reason)
        self.report.add(p)

    def _look_up(self, message_id: int, uncertain: Result) -> Result:
        """Ask a gateway without keys whether it holds the message; else it stays unknown."""
        found = self.gateway.lookup(journal.as_sms(self.store, message_id))
        return found if found is not None else uncertain

    def recover(self) -> None:
        """Resolve messages a killed run left in ``sending`` (the caller holds the run lock)."""
        for message_id in journal.orphans(self.store):
            [p] = load_stored(self.store, self.now.tzinfo, "id = ?", (message_id,))  # type: ignore[arg-type]
            expired = self._key_expired(message_id)
            late = expired or self._too_late(p)
            if self.gateway.idempotent and not late and not in_window(self.now, self.cfg.reminders.window):
                continue  # a resend is a send: it waits for the window like any other (X4)
            self.report.recovered += 1
            if self.gateway.idempotent and not late:
                self._submit(p, resend=True)
                continue
            reason = NO_KEY if not self.gateway.idempotent else KEY_EXPIRED if expired else NOT_RESENT_LATE
            found = self._look_up(message_id, Result(Outcome.UNKNOWN, reason=reason))
            self._finish(p, found, 0, retry_later=False)  # too late, or no key: settle it now
        self.drain()

    def _key_expired(self, message_id: int) -> bool:
        """Claimed so long ago that the gateway may have forgotten the key: a resend could duplicate."""
        window = self.gateway.key_window
        if not self.gateway.idempotent or window is None:
            return False
        claimed = self.store.scalar("SELECT created_at FROM messages WHERE id = ?", (message_id,))
        return from_store(claimed, self.now.tzinfo) + window - KEY_MARGIN <= self.now  # type: ignore[arg-type]

    def _too_late(self, p: Planned) -> bool:
        """Past the moment it was good for: the visit it names began, or a reminder's day ended (X1)."""
        tz = self.now.tzinfo
        if any(from_store(start, tz) <= self.now for start in p.starts.values()):  # type: ignore[arg-type]
            return True
        return p.kind == "reminder" and p.send_at.date() < self.now.date()

    def drain(self) -> None:
        while self.in_flight:
            self._collect(FIRST_COMPLETED)

    def close(self) -> None:
        """Record every answer still on its way, stop the pool, then raise a gateway failure."""
        try:
            self.drain()
        finally:
            self.dispatcher.close()
        if self.fatal:
            raise self.fatal
