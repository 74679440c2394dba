"""Run the installed `smsremind` the way cron does: a bare environment, output captured."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "smsremind"
HEAD = "id,start,phone,patient,practice\n"
CRON_ENV = {"PATH": f"{BIN.parent}:/usr/bin:/bin"}  # all cron gives a job (plus HOME/SHELL/LOGNAME)


def argv(*args: str, now: str | None = None, env: dict[str, str] | None = None) -> list[str]:
    """`env -i PATH=… [VAR=…] smsremind [--now NOW] ARGS`."""
    extra = [f"{k}={v}" for k, v in (env or {}).items()]
    return [
        "env",
        "-i",
        f"PATH={CRON_ENV['PATH']}",
        *extra,
        "smsremind",
        *(["--now", now] if now else []),
        *args,
    ]


def cron(
    folder: Path, *args: str, now: str | None = None, code: int = 0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``argv(...)`` in ``folder``; asserts the exit code and that no traceback came out."""
    done = subprocess.run(
        argv(*args, now=now, env=env), cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    return done


def quiet(done: subprocess.CompletedProcess) -> None:
    """Cron mails every byte: nothing on stdout nor stderr."""
    assert (done.stdout, done.stderr) == ("", ""), (done.stdout, done.stderr)


def install(folder: Path, extra: str = "", enabled: bool = True, rows: int = 1) -> None:
    """`init` from a hand-written config and a baseline import of ``rows`` visits on Tue 1 Dec 14:0N."""
    config = folder / "smsremind.toml"
    config.write_text(f"enabled = {str(enabled).lower()}\n{extra}", encoding="utf-8")
    config.chmod(0o600)
    cron(folder, "init")
    body = "".join(f"{i},2026-12-01 14:{i:02d},+4860123{i:04d},P{i},Gabinet\n" for i in range(1, rows + 1))
    (folder / "in.csv").write_text(HEAD + body, encoding="utf-8")
    cron(folder, "import", "in.csv", now="2026-11-29 10:00")


def imports_at_once(folder: Path, names: list[str], now: str, env: dict[str, str]) -> list[tuple[int, str]]:
    """`smsremind -q import NAME` for every name, all started before any is waited for (cron
    jobs of the same minute): (exit code, stderr) of each.  None prints to stdout or a traceback."""
    procs = [
        subprocess.Popen(
            argv("-q", "import", name, now=now, env=env),
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert out == "" and "Traceback" not in err
        done.append((proc.returncode, err))
    return done


def pragma(db: Path, name: str) -> object:
    """One PRAGMA of the database file, read on a connection of its own."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()
