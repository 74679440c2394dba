"""Cron mails every byte: a quiet day prints nothing; trouble prints one line on stderr (issue 13.2)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cron import HEAD, cron, install, quiet


def test_a_quiet_day_prints_nothing_at_all(tmp_path: Path) -> None:
    install(tmp_path)
    # the crontab line, tick after tick: the calendar did not change, nothing is due yet
    for now in ("2026-11-30 08:00", "2026-11-30 09:05", "2026-11-30 12:00"):
        quiet(cron(tmp_path, "-q", "import", "in.csv", "--full", now=now))
        quiet(cron(tmp_path, "-q", "run", now=now))
    # without -q too: an unchanged import and an idle run are not news
    quiet(cron(tmp_path, "import", "in.csv", "--full", now="2026-11-30 13:00"))
    quiet(cron(tmp_path, "run", now="2026-11-30 13:00"))
    # the reminder goes out: -q still prints nothing, the outbox has it
    quiet(cron(tmp_path, "-q", "run", now="2026-11-30 14:05"))
    assert (tmp_path / "outbox.jsonl").read_text().count("\n") == 1
    # without -q the same kind of run shows what it sent
    sent = cron(tmp_path, "run", now="2026-11-30 14:10")
    assert sent.stdout == "" and sent.stderr == ""  # nothing more was due


def test_a_run_that_sent_prints_its_summary_without_q(tmp_path: Path) -> None:
    install(tmp_path)
    done = cron(tmp_path, "run", now="2026-11-30 14:05")
    assert done.stdout.startswith("Run at 2026-11-30 14:05: 1 sent\n") and done.stderr == ""
    assert "+48 601 *** *01" in done.stdout and "+48601230001" not in done.stdout


def test_a_long_run_prints_the_first_rows_and_how_many_more(tmp_path: Path) -> None:
    install(tmp_path, "[output]\ntable_limit = 3\n", rows=8)
    done = cron(tmp_path, "run", now="2026-11-30 14:30")
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Run at 2026-11-30 14:30: 8 sent")
    assert sum(" sent " in line for line in lines[1:]) == 3
    assert lines[-1] == "… 5 more (smsremind preview --date 2026-11-30)"
    assert done.stderr == ""


def test_held_for_quota_is_one_line_on_stderr_even_with_q(tmp_path: Path) -> None:
    install(tmp_path, "[quota]\nmonthly = 1\nalerts = []\n", rows=3)
    done = cron(tmp_path, "-q", "run", now="2026-11-30 14:30")
    assert done.stdout == ""
    assert done.stderr == ("2 messages held: the SMS quota is used up (smsremind quota buy 100|500|1000)\n")


def test_disabled_says_so_once_a_day_and_never_with_q(tmp_path: Path) -> None:
    install(tmp_path, enabled=False)
    first = cron(tmp_path, "run", now="2026-11-30 14:05")
    assert first.stdout == "" and first.stderr.startswith("sending is disabled (enabled = false in ")
    assert first.stderr.count("\n") == 1
    quiet(cron(tmp_path, "run", now="2026-11-30 14:10"))
    quiet(cron(tmp_path, "run", now="2026-11-30 19:55"))
    assert "sending is disabled" in cron(tmp_path, "run", now="2026-12-01 08:00").stderr
    quiet(cron(tmp_path, "-q", "run", now="2026-12-02 08:00"))
    assert not (tmp_path / "outbox.jsonl").exists()


def test_rejected_rows_still_reach_cron_with_q_and_phones_are_masked(tmp_path: Path) -> None:
    install(tmp_path)
    # columns swapped by the export: the start column holds the phone number
    (tmp_path / "bad.csv").write_text(HEAD + "9,+48 601 234 567,2026-12-01 15:00,Jan,Gabinet\n")
    done = cron(tmp_path, "-q", "import", "bad.csv", now="2026-11-29 11:00", code=3)
    assert done.stdout == "" and done.stderr.count("\n") == 1 and "bad.csv" in done.stderr
    assert "601 234 567" not in done.stderr and "+48 601 *** *67" in done.stderr
