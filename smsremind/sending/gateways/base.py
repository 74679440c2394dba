"""The one small interface every SMS gateway implements (SPEC §4).

``send`` answers with one of four outcomes; the sender decides what each
means for the message's state:

* ACCEPTED  - the gateway took it: ``sent``, charged;
* REJECTED  - a definite no (invalid number, 4xx): ``failed``, not charged;
* TRANSIENT - certainly not processed (connection refused, 429, 5xx before
  acceptance): retried with back-off within the run, else ``held`` and
  planned again by a later run;
* UNKNOWN   - may or may not have been processed (a timeout after the request
  went out, a dropped connection, an unreadable answer).  A gateway with an
  idempotency key (``idempotent = True``) is asked again with the same key,
  which tells us the truth; if it stays unreachable the message stays
  ``sending`` for the next run to resolve with that key.  Without one the
  message becomes ``unknown`` and is never resent automatically.

A key protects only as long as the gateway remembers it: ``key_window`` is
that time, written once per gateway (None: for good).  A message left
``sending`` for longer than that is settled as ``unknown``, never resent.

Problems with the gateway itself (credentials, no credit) raise
:class:`smsremind.errors.GatewayError` and stop the run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from smsremind.replies.inbox import Incoming


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TRANSIENT = "transient"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Sms:
    key: str  # our message id: the idempotency key
    to: str  # E.164
    sender: str
    text: str
    parts: int
    kind: str
    appointments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    gateway_id: str | None = None
    parts: int | None = None
    reason: str | None = None
    retry_after: float | None = None  # seconds the gateway asked us to wait (429)


@dataclass(frozen=True)
class Delivery:
    """A delivery report: the gateway's status word and whether it is final."""

    status: str
    final: bool
    failed: bool = False  # final and not delivered
    not_charged: bool = False  # the gateway says it never sent it (nothing owed)


class Gateway(ABC):
    name: str = "gateway"
    idempotent: bool = False
    key_window: timedelta | None = None  # how long a repeated key is refused (idempotent gateways)
    remote: bool = True  # a remote API: `[gateway] workers` and `rate` apply

    @abstractmethod
    def send(self, sms: Sms, now: datetime, resend: bool = False) -> Result:
        """Hand one message over; ``resend`` marks a repeat of an earlier attempt."""

    @abstractmethod
    def check(self) -> str:
        """Verify credentials without sending; return a one-line description."""

    def delivery(self, gateway_id: str) -> Delivery | None:
        """The message's delivery status, where the gateway offers one."""
        return None

    def delivery_reports(self) -> dict[str, Delivery] | None:
        """Where the gateway hands reports over in batches: gateway id -> report, else None."""
        return None

    receives = False  # patients' answers can be fetched (two-way SMS)

    def replies(self, since: datetime) -> list[Incoming]:
        """Answers received since about ``since`` (repeats are fine: they are stored once).

        Raises GatewayError when the gateway cannot be asked; never forgets
        an answer at the gateway before it is handed over here.
        """
        return []

    def opt_outs(self) -> list[str] | None:
        """Numbers the gateway itself keeps from messages (its blacklist), where it lists them."""
        return None

    def forget_replies(self) -> list[Incoming]:
        """Called once the answers :meth:`replies` gave are stored: a gateway whose inbox must be
        emptied now may do so; returns what arrived meanwhile (the emptying call's answer)."""
        return []

    def lookup(self, sms: Sms) -> Result | None:
        """For a gateway without idempotency keys: did an uncertain attempt get through?

        ACCEPTED if the gateway holds this message, None if it cannot tell.
        The message is never sent again either way.
        """
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
