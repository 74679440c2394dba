"""One run's part in two-way SMS: take what the gateway fetched, then tell the practice.

The order keeps answers safe: the batch is committed first (:func:`inbox.take`),
only then is the export rewritten and the digest mailed, so a run killed at
any point leaves every fetched answer either stored or still at the gateway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from smsremind.config import Config
from smsremind.i18n import N_
from smsremind.replies import answers, digest, inbox
from smsremind.storage.store import Store

log = logging.getLogger(__name__)


@dataclass
class Taken:
    fetched: int = 0
    new: list[int] = field(default_factory=list)  # ids of the replies stored by this run
    mailed: int = 0


def after_fetch(store: Store, cfg: Config, now: datetime, gateway: str, batch: list[inbox.Incoming]) -> Taken:
    taken = Taken(len(batch), inbox.take(store, cfg, now, gateway, batch))
    try:
        answers.export(store, cfg)
    except OSError as exc:  # the answers are stored; the next run writes the file again
        log.warning(N_("cannot write %s: %s"), cfg.replies.export, exc.strerror or exc)
    taken.mailed = digest.send(store, cfg, now)
    return taken
