"""The log: one line per decision, run id, masked numbers, 0600, logrotate-friendly; -v/-vv (issue 13.3)."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from tests.cli.cron import cron, quiet
from tests.fakes.fake_twilio import FakeTwilio

HEAD = "id,start,phone,patient,practice\n"
ROWS = "1,2026-12-01 14:00,+48601234567,Jan,Gabinet\n2,2026-12-01 14:30,22 628 45 12,Ewa,Gabinet\n"
FULL_NUMBERS = re.compile(r"601\s?234\s?567|628\s?45\s?12")


def install(folder: Path, extra: str = "") -> None:
    config = folder / "smsremind.toml"
    config.write_text(f"enabled = true\n{extra}", encoding="utf-8")
    config.chmod(0o600)
    cron(folder, "init")
    (folder / "in.csv").write_text(HEAD + ROWS, encoding="utf-8")
    cron(folder, "import", "in.csv", now="2026-11-29 10:00")


def test_each_decision_is_one_masked_line_with_the_run_id(tmp_path: Path) -> None:
    install(tmp_path, '[log]\nfile = "logs/reminders.log"\n')
    quiet(cron(tmp_path, "-q", "run", now="2026-11-30 14:35"))
    log = tmp_path / "logs" / "reminders.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    lines = log.read_text().splitlines()
    run_lines = [line for line in lines if " run=1 " in line]
    assert [line.split(" run=1 ")[1].split(" message")[0] for line in run_lines] == [
        "claimed",
        "skipped",
        "sent",
        "run finished: 1 sent, 0 failed, 0 held, 1 skipped, 0 expired, 0 unknown",
    ]
    assert "reminder to +48 601 *** *67 at Gabinet, visits 1" in run_lines[0]
    assert run_lines[1].endswith(": landline")
    assert re.search(r"gateway id \w+, 1 parts$", run_lines[2])
    assert "import in.csv: 2 new" in lines[0]
    assert not FULL_NUMBERS.search(log.read_text())


def test_an_idle_tick_writes_no_line(tmp_path: Path) -> None:
    install(tmp_path)
    cron(tmp_path, "-q", "run", now="2026-11-30 09:00")  # records the landline's skip
    log = tmp_path / "smsremind.log"
    before = log.read_text()
    quiet(cron(tmp_path, "-q", "import", "in.csv", now="2026-11-30 09:05"))
    quiet(cron(tmp_path, "-q", "run", now="2026-11-30 09:05"))
    assert log.read_text() == before


def test_a_rotated_log_is_recreated_private_and_the_old_one_kept(tmp_path: Path) -> None:
    install(tmp_path)
    log = tmp_path / "smsremind.log"
    log.rename(tmp_path / "smsremind.log.1")  # what logrotate does (without copytruncate)
    cron(tmp_path, "-q", "run", now="2026-11-30 14:35")
    assert "import in.csv" in (tmp_path / "smsremind.log.1").read_text()
    assert "sent message" in log.read_text() and stat.S_IMODE(log.stat().st_mode) == 0o600


def test_v_mirrors_the_log_on_stderr(tmp_path: Path) -> None:
    install(tmp_path)
    done = cron(tmp_path, "-q", "-v", "run", now="2026-11-30 14:35")
    assert done.stdout == ""
    assert "smsremind: info: sent message 1 (reminder to +48 601 *** *67" in done.stderr
    assert "debug" not in done.stderr


def test_vv_shows_gateway_calls_without_a_full_number_or_a_secret(tmp_path: Path) -> None:
    sid, token = "AC" + "1" * 32, "twilio-auth-token-0123"
    with FakeTwilio(account_sid=sid, auth_token=token) as fake:
        install(
            tmp_path,
            f'[gateway]\nprovider = "twilio"\naccount_sid = "{sid}"\nauth_token = "{token}"\n'
            f'base_url = "{fake.url}"\nsender = "Gabinet"\ntimeout = 2\n',
        )
        fake.fail_next(status=500)  # not sent: the next run tries again
        done = cron(tmp_path, "-vv", "run", now="2026-11-30 14:35", code=3)
    everything = done.stdout + done.stderr + (tmp_path / "smsremind.log").read_text()
    assert "smsremind: debug: twilio call for message" in done.stderr
    assert '"POST /2010-04-01/Accounts/' in done.stderr  # urllib3's request line
    assert "+48 601 *** *67" in done.stderr
    assert not FULL_NUMBERS.search(everything), everything
    assert token not in everything
