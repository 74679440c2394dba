"""The default gateway: sends nothing, appends one JSON line per message (SPEC §9).

Answers are read from ``inbox.jsonl`` beside the outbox, one JSON object a
line: ``{"from": "+48601234567", "text": "TAK", "received_at": "2026-11-24T12:03:00+01:00"}``
(a test or the demo writes it; ``"to"`` is optional).  The file is only read,
never emptied: answers are stored once however often they are read.

Each line is written and fsynced under an exclusive lock, so lines from
overlapping processes never interleave and an accepted message survives a
crash.  Resends after a crash look for the key in the file first, which
makes the outbox idempotent like a gateway with idempotency keys.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from smsremind.errors import GatewayError
from smsremind.i18n import N_, _
from smsremind.replies.inbox import Incoming
from smsremind.sending.gateways.base import Gateway, Outcome, Result, Sms
from smsremind.storage.files import append_private, check_path

log = logging.getLogger(__name__)
INBOX = "inbox.jsonl"


class OutboxGateway(Gateway):
    name = "outbox"
    idempotent = True
    remote = False  # a local file: no rate limit, one writer
    receives = True

    def __init__(self, path: Path):
        self.path = path
        self.inbox = path.with_name(INBOX)
        self._checked = False

    def _check(self) -> None:
        """An existing file that is not our JSON lines (a typo'd path, /etc/passwd) is never appended to."""
        first = b""
        if check_path(self.path):  # a symlink, a FIFO or someone else's file is refused before reading
            with open(self.path, "rb") as fh:
                first = fh.readline(65536)
        if first and not first.startswith(b"{"):
            text = _("{path} is not an smsremind outbox (not JSON lines); refusing to write to it")
            raise GatewayError(text.format(path=self.path))
        self._checked = True

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
        if not self._checked:
            self._check()
        with append_private(self.path) as fh:  # never through a symlink, never someone else's file
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
        return _("outbox: messages are written to {path}, nothing is sent").format(path=self.path)

    def replies(self, since: datetime) -> list[Incoming]:
        try:
            with open(self.inbox, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            log.warning(N_("cannot read %s: %s"), self.inbox, exc)
            return []
        found = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            item = _incoming(line, since)
            if item is not None and item.received_at < since:
                continue  # older than any message it could answer; stored back then
            if item is None:  # kept in the file: fix it and the next run takes it
                log.warning(
                    N_('%s line %d: not {"from", "text", "received_at"}; skipped'), self.inbox, number
                )
            else:
                found.append(item)
        return found


def _incoming(line: str, since: datetime) -> Incoming | None:
    try:
        doc: Any = json.loads(line)
        phone, text, at = doc["from"], doc["text"], datetime.fromisoformat(doc["received_at"])
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(phone, str) or not isinstance(text, str) or not phone.strip():
        return None
    if at.tzinfo is None:  # a wall time: the practice's zone
        at = at.replace(tzinfo=since.tzinfo)
    to = doc.get("to") if isinstance(doc.get("to"), str) else None
    return Incoming(
        phone, text, at, gateway_id=doc.get("id") if isinstance(doc.get("id"), str) else None, to=to
    )
