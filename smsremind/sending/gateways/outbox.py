"""The default gateway: sends nothing, appends one JSON line per message (SPEC §9).

Each line is written and fsynced under an exclusive lock, so lines from
overlapping processes never interleave and an accepted message survives a
crash.  Resends after a crash look for the key in the file first, which
makes the outbox idempotent like a gateway with idempotency keys.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime
from pathlib import Path

from smsremind.sending.gateways.base import Gateway, Outcome, Result, Sms
from smsremind.storage.store import create_private


class OutboxGateway(Gateway):
    name = "outbox"
    idempotent = True
    remote = False  # a local file: no rate limit, one writer

    def __init__(self, path: Path):
        self.path = path

    def send(self, sms: Sms, now: datetime, resend: bool = False) -> Result:
        if resend and self._contains(sms.key):
            return Result(Outcome.ACCEPTED, gateway_id=sms.key, parts=sms.parts)
        line = json.dumps(
            {
                "id": sms.key,
                "to": sms.to,
                "from": sms.sender,
                "text": sms.text,
                "parts": sms.parts,
                "kind": sms.kind,
                "appointments": sms.appointments,
                "sent_at": now.isoformat(timespec="seconds"),
            },
            ensure_ascii=False,
        )
        create_private(self.path)
        with open(self.path, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return Result(Outcome.ACCEPTED, gateway_id=sms.key, parts=sms.parts)

    def _contains(self, key: str) -> bool:
        try:
            with open(self.path, encoding="utf-8") as fh:
                return any(json.loads(line).get("id") == key for line in fh if line.strip())
        except FileNotFoundError:
            return False

    def check(self) -> str:
        return f"outbox: messages are written to {self.path}, nothing is sent"
