"""Run the installed `smsremind` the way cron does: a bare environment, output captured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "smsremind"
CRON_ENV = {"PATH": f"{BIN.parent}:/usr/bin:/bin"}  # all cron gives a job (plus HOME/SHELL/LOGNAME)


def cron(folder: Path, *args: str, now: str | None = None, code: int = 0) -> subprocess.CompletedProcess:
    """`env -i PATH=… smsremind [--now NOW] ARGS` in ``folder``; asserts the exit code, no traceback."""
    argv = ["env", "-i", f"PATH={CRON_ENV['PATH']}", "smsremind", *(["--now", now] if now else []), *args]
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    return done


def quiet(done: subprocess.CompletedProcess) -> None:
    """Cron mails every byte: nothing on stdout nor stderr."""
    assert (done.stdout, done.stderr) == ("", ""), (done.stdout, done.stderr)
