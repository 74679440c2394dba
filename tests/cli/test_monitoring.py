"""`status --check` for monitoring systems and `[monitoring] ping_url` for push monitors (issue 13.4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.cron import HEAD, cron, install, quiet
from tests.conftest import free_port
from tests.fakes.fake_healthchecks import FakeHealthchecks
from tests.fakes.fake_twilio import FakeTwilio


def check(folder: Path, now: str, code: int) -> str:
    done = cron(folder, "status", "--check", now=now, code=code)
    assert done.stderr == "" and done.stdout.count("\n") == 1, done
    return done.stdout.rstrip("\n")


def test_healthy_is_exit_0_and_silent_with_q(tmp_path: Path) -> None:
    install(tmp_path)
    cron(tmp_path, "-q", "run", now="2026-11-30 14:05")
    assert check(tmp_path, "2026-11-30 14:30", 0) == "OK: last run 2026-11-30 14:05"
    quiet(cron(tmp_path, "-q", "status", "--check", now="2026-11-30 14:30"))


def test_cron_stalled_inside_the_window_is_exit_4(tmp_path: Path) -> None:
    install(tmp_path)
    assert check(tmp_path, "2026-11-30 09:30", 4).startswith("PROBLEM: no run has happened yet")
    cron(tmp_path, "-q", "run", now="2026-11-30 09:05")
    assert check(tmp_path, "2026-11-30 10:00", 0).startswith("OK")
    assert check(tmp_path, "2026-11-30 10:10", 4) == (
        "PROBLEM: no run since 2026-11-30 09:05 although the sending window was open: "
        "is cron still running `smsremind run`?"
    )
    # the night does not count: 19:55 to 09:00 is only 5 minutes of open window
    cron(tmp_path, "-q", "run", now="2026-11-30 19:55")
    assert check(tmp_path, "2026-12-01 09:30", 0).startswith("OK")
    (tmp_path / "smsremind.toml").write_text("enabled = true\n[monitoring]\ncron_alert_after = 120\n")
    assert check(tmp_path, "2026-12-01 10:30", 0).startswith("OK")
    assert check(tmp_path, "2026-12-01 11:30", 4).startswith("PROBLEM: no run since 2026-11-30 19:55")


def test_last_run_in_error_is_exit_5(tmp_path: Path) -> None:
    install(tmp_path)
    (tmp_path / "outbox.jsonl").symlink_to(tmp_path / "elsewhere")
    cron(tmp_path, "-q", "run", now="2026-11-30 14:05", code=1)
    assert check(tmp_path, "2026-11-30 14:06", 5).startswith("PROBLEM: the last run ended in error: ")


def test_unknown_or_failed_today_is_exit_6(tmp_path: Path) -> None:
    with FakeTwilio() as fake:
        install(
            tmp_path,
            f'[gateway]\nprovider = "twilio"\naccount_sid = "{fake.account_sid}"\n'
            f'auth_token = "token"\nbase_url = "{fake.url}"\ntimeout = 2\n',
        )
        fake.fail_next(status=500)
        cron(tmp_path, "-q", "run", now="2026-11-30 14:05", code=3)
    assert check(tmp_path, "2026-11-30 14:06", 6) == (
        "PROBLEM: 1 message failed or has an unknown fate today"
    )


def test_held_for_quota_is_exit_7(tmp_path: Path) -> None:
    install(tmp_path, "[quota]\nmonthly = 1\nalerts = []\n", rows=3)
    cron(tmp_path, "-q", "run", now="2026-11-30 14:30")
    assert check(tmp_path, "2026-11-30 14:35", 7) == "PROBLEM: 2 messages held: the SMS quota is used up"


def test_disabled_is_healthy_and_says_so(tmp_path: Path) -> None:
    install(tmp_path, enabled=False)
    assert (
        check(tmp_path, "2026-11-30 14:35", 0)
        == "OK: sending is disabled (enabled = false); nothing to watch"
    )


def test_every_finished_run_pings_and_a_failed_one_pings_fail(tmp_path: Path) -> None:
    with FakeHealthchecks() as monitor:
        install(tmp_path, f'[monitoring]\nping_url = "{monitor.ping_url}"\n')
        quiet(cron(tmp_path, "-q", "run", now="2026-11-30 09:05"))
        quiet(cron(tmp_path, "-q", "run", now="2026-11-30 14:05"))
        (tmp_path / "outbox.jsonl").unlink()
        (tmp_path / "outbox.jsonl").symlink_to(tmp_path / "elsewhere")
        (tmp_path / "in.csv").write_text(HEAD + "2,2026-12-01 15:00,+48601230002,P2,Gabinet\n")
        cron(tmp_path, "-q", "import", "in.csv", now="2026-11-29 11:00")
        cron(tmp_path, "-q", "run", now="2026-11-30 15:05", code=1)
        cron(tmp_path, "-q", "run", "--dry-run", now="2026-11-30 15:10")  # not a run: no ping
    assert monitor.pings == ["success", "success", "fail"]
    assert [r["method"] for r in monitor.requests] == ["GET"] * 3


@pytest.mark.parametrize("where", ["closed-port", "404"])
def test_a_ping_that_fails_is_logged_and_never_fatal(tmp_path: Path, where: str) -> None:
    with FakeHealthchecks() as monitor:
        url = (
            f"http://127.0.0.1:{free_port()}/ping/x" if where == "closed-port" else f"{monitor.url}/ping/nope"
        )
        install(tmp_path, f'[monitoring]\nping_url = "{url}"\n')
        quiet(cron(tmp_path, "-q", "run", now="2026-11-30 14:05"))
    log = (tmp_path / "smsremind.log").read_text()
    assert "sent message" in log and f"monitoring ping to {url}" in log
