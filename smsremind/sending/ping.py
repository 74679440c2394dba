"""`[monitoring] ping_url`: tell a push monitor (healthchecks.io, Uptime Kuma) that a run finished.

A GET to the URL after each finished run, to ``URL/fail`` when the run ended
in error or left failed/unknown messages. The monitor raises the alarm when
pings stop or fail; a ping that cannot be delivered is logged and never
fails the run (the messages are already sent).
"""

from __future__ import annotations

import logging

TIMEOUT = 5.0
log = logging.getLogger(__name__)


def ping(url: str, failed: bool) -> bool:
    """GET ``url`` (``url/fail`` if ``failed``); True when the monitor answered 2xx."""
    if not url:
        return False
    import requests  # only when a monitor is configured: every cron start pays for imports

    target = url.rstrip("/") + "/fail" if failed else url
    try:
        response = requests.get(target, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        log.info("monitoring ping to %s failed: %s", target, type(exc).__name__)  # the log, not cron mail
        return False
    if not 200 <= response.status_code < 300:
        log.info("monitoring ping to %s answered HTTP %s", target, response.status_code)
        return False
    log.debug("monitoring ping to %s: HTTP %s", target, response.status_code)
    return True
