"""What one run did: counts per outcome and the messages it handled.

Its own module so that the run loop (:mod:`smsremind.sending.runner`), the
send loop (:mod:`smsremind.sending.outbound`) and the CLI all use one type
without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from smsremind.errors import ExitCode
from smsremind.i18n import Later, _, ngettext
from smsremind.intake.phones import mask
from smsremind.rules.messages import Planned
from smsremind.rules.reasons import describe as reason_text

COUNTS = ("sent", "failed", "held", "skipped", "expired", "unknown")

# The id of the run this process is doing, for log lines (one run per process; the
# worker threads log too, so a context variable would not reach them).
current_run: int | None = None


def describe(p: Planned) -> str:
    """A message as a log line names it: id, kind, masked number, practice, visits."""
    ident = f"message {p.message_id}" if p.message_id else "message"
    return f"{ident} ({p.kind} to {mask(p.to)} at {p.practice}, visits {', '.join(p.appointment_ids)})"


@dataclass
class RunReport:
    now: datetime
    sent: int = 0
    failed: int = 0
    held: int = 0
    skipped: int = 0
    expired: int = 0
    unknown: int = 0
    messages: list[Planned] = field(default_factory=list)
    busy: bool = False
    disabled: bool = False
    dry_run: bool = False
    recovered: int = 0
    handed: int = 0  # messages the gateway was asked to take
    answered: int = 0  # ... of which it accepted or refused (an answer, not an error)
    trouble: str | None = None  # the last error instead of an answer
    stopped: Later | None = None  # why the run stopped sending early (a long Retry-After)
    deferred: int = 0  # due messages left for the next run because it stopped
    payments: list[tuple[str, str]] = field(default_factory=list)  # (payment id, new state)
    replies: int | None = None  # patients' answers stored by this run (None: replies are off)

    def add(self, planned: Planned) -> None:
        if planned.status in COUNTS:
            setattr(self, planned.status, getattr(self, planned.status) + 1)
        self.messages.append(planned)

    @property
    def outage(self) -> str | None:
        """One line when the gateway answered nothing but errors, or made the run stop early."""
        if self.stopped:
            waiting = self.deferred + self.held
            text = ngettext("{why} ({n} message waits)", "{why} ({n} messages wait)", waiting)
            return text.format(why=_(self.stopped), n=waiting)
        if self.handed and not self.answered:
            text = _(
                "the gateway answered nothing but errors: {held} held, {unknown} unknown "
                "(last: {last}); the next run tries again"
            )
            held = ngettext("{n} message", "{n} messages", self.held).format(n=self.held)
            last = reason_text(self.trouble) if self.trouble else self.trouble
            return text.format(held=held, unknown=self.unknown, last=last)
        return None

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.failed or self.unknown or self.outage else ExitCode.OK

    def as_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {k: getattr(self, k) for k in COUNTS}
        doc["messages"] = [m.as_json() for m in self.messages]
        if self.dry_run:
            doc["dry_run"] = True
        if self.replies is not None:
            doc["replies"] = self.replies
        return doc
