"""The first message held for quota mails "sending stopped", whatever the balance (issue 13.6)."""

from __future__ import annotations

import mailbox
from email.header import decode_header, make_header
from pathlib import Path

from tests.cli.cron import cron

HEAD = "id,start,phone,patient,practice\n"
LONG = "{practice}: przypominamy o wizycie jutro o godz. {time}. Prosimy o punktualność!"  # 2 parts


def subjects(folder: Path) -> list[str]:
    box = mailbox.Maildir(folder / "mail", create=False)
    return sorted(str(make_header(decode_header(m["Subject"]))) for m in box)


def test_two_part_reminders_past_the_quota_mail_sending_stopped_once(tmp_path: Path) -> None:
    config = tmp_path / "smsremind.toml"
    config.write_text("enabled = true\n[quota]\nmonthly = 55\n", encoding="utf-8")
    config.chmod(0o600)
    cron(tmp_path, "init")
    cron(tmp_path, "templates", "set", "reminder", LONG)
    rows = "".join(
        f"{i},2026-12-01 {10 + i // 4:02d}:{15 * (i % 4):02d},+4860123{i:04d},P{i},Gabinet\n"
        for i in range(40)
    )
    (tmp_path / "in.csv").write_text(HEAD + rows)
    cron(tmp_path, "-q", "import", "in.csv", now="2026-11-20 10:00")

    done = cron(tmp_path, "-q", "run", "--json", now="2026-11-30 19:50")
    assert '"sent": 27' in done.stdout and '"held": 13' in done.stdout
    assert done.stderr == "13 messages held: the SMS quota is used up (smsremind quota buy 100|500|1000)\n"
    [subject] = subjects(tmp_path)  # not "1 SMS left": the mail that matters
    assert subject == "smsremind: wysyłka wstrzymana – 13 SMS czeka na doładowanie"
    box = mailbox.Maildir(tmp_path / "mail", create=False)
    body = next(iter(box)).get_payload(decode=True).decode()
    assert "13 wiadomości (26 części SMS)" in body and "zostało 1" in body
    assert "smsremind quota buy 100" in body

    cron(tmp_path, "-q", "run", now="2026-11-30 19:55")  # still held: told already
    assert len(subjects(tmp_path)) == 1

    status = cron(tmp_path, "status", now="2026-11-30 19:56").stdout
    assert status.startswith("Sending stopped: 13 messages (26 parts) held for quota")
    table = status[status.index("Needs a look") :].split("\n", 1)[1]  # the rows, not the title
    statuses = [w for w in table.split() if w in ("held", "expired", "failed", "unknown")]
    assert statuses[:13] == ["held"] * 13


def test_a_new_month_rearms_the_mail(tmp_path: Path) -> None:
    config = tmp_path / "smsremind.toml"
    config.write_text("enabled = true\n[quota]\nmonthly = 1\nalerts = []\n", encoding="utf-8")
    config.chmod(0o600)
    cron(tmp_path, "init")
    rows = "".join(
        f"{i},2026-{m} 14:{i:02d},+4860123{i:04d},P{i},Gabinet\n"
        for i, m in [(1, "11-25"), (2, "11-25"), (3, "12-03"), (4, "12-03")]
    )
    (tmp_path / "in.csv").write_text(HEAD + rows)
    cron(tmp_path, "-q", "import", "in.csv", now="2026-11-20 10:00")
    cron(tmp_path, "-q", "run", now="2026-11-24 14:30")  # Tuesday: 1 sent, 1 held
    assert len(subjects(tmp_path)) == 1
    cron(tmp_path, "-q", "run", now="2026-12-02 14:30")  # a new month: 1 sent, 1 held, told again
    assert subjects(tmp_path) == ["smsremind: wysyłka wstrzymana – 1 SMS czeka na doładowanie"] * 2
