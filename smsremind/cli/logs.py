"""Where log lines go: stderr (warnings; -v info, -vv debug) and the log file.

The core logs one INFO line per decision that changed something (a message
claimed, sent, failed, held, skipped; a payment; an alert mailed; an import).
This module only routes them:

* stderr gets WARNING and above, or INFO with ``-v`` and DEBUG with ``-vv``
  (urllib3's HTTP status lines included), as ``smsremind: warning: …``;
* ``[log] file`` (``smsremind.log`` beside the database, 0600) gets INFO and
  above through a ``WatchedFileHandler``, so logrotate can move it away;
* every line, on either side, has phone numbers masked and configured
  secrets replaced by ``***``; file lines carry the run id;
* stderr speaks the user's language (warnings are logged with an ``N_``-marked
  format string, translated here); the file stays in English, for grep and support.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from smsremind import i18n
from smsremind.i18n import N_
from smsremind.intake.phones import mask_text
from smsremind.sending import report
from smsremind.storage.files import create_private

ROOT = "smsremind"
FILE_FORMAT = "%(asctime)s %(levelname)s run=%(run)s %(message)s"


class Redact(logging.Filter):
    """Mask phone numbers and hide secrets in the message, whoever logged it (urllib3 too)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "local"):  # the first handler: both texts, then the args are spent
            record.local = self.scrub(_localised(record))
            record.msg, record.args = self.scrub(record.getMessage()), None
        record.run = report.current_run or "-"
        return True

    def scrub(self, text: str) -> str:
        text = mask_text(text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def _localised(record: logging.LogRecord) -> str:
    """The record's message in the user's language, when its format string is in the catalog."""
    if not isinstance(record.msg, str):
        return record.getMessage()
    try:
        return i18n._(record.msg) % record.args if record.args else i18n._(record.msg)
    except (TypeError, ValueError):  # a translation that lost a placeholder: English beats nothing
        return record.getMessage()


REDACT = Redact()


LEVELS = {
    logging.DEBUG: N_("debug"),
    logging.INFO: N_("info"),
    logging.WARNING: N_("warning"),
    logging.ERROR: N_("error"),
    logging.CRITICAL: N_("critical"),
}


class StderrFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        level = LEVELS.get(record.levelno)
        word = i18n._(level) if level else record.levelname.lower()
        return f"smsremind: {word}: {getattr(record, 'local', record.getMessage())}"


class LogFile(logging.handlers.WatchedFileHandler):
    """A log file that never breaks a run: a write error (disk full) is said once, then logging stops."""

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        detail = getattr(exc, "strerror", None) or exc
        print(
            i18n._("smsremind: warning: cannot write the log {path}: {detail}").format(
                path=self.baseFilename, detail=detail
            ),
            file=sys.stderr,
        )
        logging.getLogger(ROOT).removeHandler(self)


def setup(verbose: int) -> None:
    """stderr logging for this process; the file is added by :func:`to_file` once the config is read."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    if os.environ.get("SMSREMIND_DEBUG"):
        level = logging.DEBUG
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(level)
    stderr.setFormatter(StderrFormatter())
    stderr.addFilter(REDACT)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "smsremind", False)]:
        root.removeHandler(old)  # ours from an earlier call in this process (tests); others stay
    stderr.smsremind = True  # type: ignore[attr-defined]
    root.addHandler(stderr)
    root.setLevel(min(level, logging.INFO))  # the file always gets INFO; urllib3 inherits it


def to_file(path: Path, secrets: list[str]) -> None:
    """Also write INFO and above to ``path`` (created 0600, or checked if it exists)."""
    REDACT.secrets = [s for s in secrets if len(s) >= 4]
    create_private(path)
    handler = LogFile(path, encoding="utf-8", delay=True)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(FILE_FORMAT, "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(REDACT)
    logger = logging.getLogger(ROOT)
    for old in [h for h in logger.handlers if isinstance(h, LogFile)]:
        logger.removeHandler(old)
        old.close()
    logger.addHandler(handler)  # our decisions only, not every library's chatter
