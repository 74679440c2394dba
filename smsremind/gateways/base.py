"""The one small interface every SMS gateway implements (SPEC §4).

``send`` answers with one of four outcomes; the sender decides what each
means for the message's state:

* ACCEPTED  - the gateway took it: ``sent``, charged;
* REJECTED  - a definite no (invalid number, 4xx): ``failed``, not charged;
* TRANSIENT - certainly not processed (connect error, 429, 5xx before
  acceptance): retried with back-off within the run;
* UNKNOWN   - may or may not have been processed (e.g. a timeout after the
  request went out, on a gateway without an idempotency key): ``unknown``,
  never resent automatically.

A gateway with ``idempotent = True`` recognises a repeated message key, so
resending after a crash or a timeout is safe.  Problems with the gateway
itself (credentials, no credit) raise :class:`smsremind.errors.GatewayError`
and stop the run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


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


class Gateway(ABC):
    name: str = "gateway"
    idempotent: bool = False

    @abstractmethod
    def send(self, sms: Sms, now: datetime, resend: bool = False) -> Result:
        """Hand one message over; ``resend`` marks a repeat of an earlier attempt."""

    @abstractmethod
    def check(self) -> str:
        """Verify credentials without sending; return a one-line description."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
