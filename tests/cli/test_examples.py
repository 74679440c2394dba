"""The crontab line of the README and the systemd units in examples/ work as written, quietly."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.cli.cron import cron, quiet
from tests.conftest import ROOT

HEAD = "id,start,phone,patient,practice\n"


def commands_of_the_crontab_line() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [x for x in readme.splitlines() if x.startswith("*/5 * * * * ")]
    _, _, commands = line.partition("&& ")
    return [shlex.split(c) for c in commands.split(";")]


def commands_of_the_systemd_service() -> list[list[str]]:
    unit = (ROOT / "examples" / "systemd" / "smsremind.service").read_text(encoding="utf-8")
    starts = re.findall(r"^ExecStart=-?(\S+) (.*)$", unit, re.M)
    assert all(path.endswith("/smsremind") for path, _ in starts)
    return [["smsremind", *shlex.split(args)] for _, args in starts]


def tick(folder: Path, commands: list[list[str]], now: str) -> list[str]:
    out = []
    for argv in commands:
        assert argv[0] == "smsremind"
        done = cron(folder, "--now", now, *argv[1:])
        out.append(done.stdout + done.stderr)
    return out


def test_the_crontab_line_and_the_service_are_silent_on_a_normal_day(tmp_path: Path) -> None:
    config = tmp_path / "smsremind.toml"
    config.write_text("enabled = true\n", encoding="utf-8")
    config.chmod(0o600)
    cron(tmp_path, "init")
    (tmp_path / "export.csv").write_text(HEAD + "1,2026-12-01 14:00,+48601230001,P1,Gabinet\n")
    crontab, service = commands_of_the_crontab_line(), commands_of_the_systemd_service()
    assert (
        crontab
        == service
        == [
            ["smsremind", "-q", "import", "export.csv", "--full"],
            ["smsremind", "-q", "run"],
        ]
    )
    for now in ("2026-11-29 10:00", "2026-11-30 09:00", "2026-11-30 14:05", "2026-11-30 14:10"):
        assert tick(tmp_path, crontab, now) == ["", ""]
    assert (tmp_path / "outbox.jsonl").read_text().count("\n") == 1
    quiet(cron(tmp_path, "-q", "status", "--check", now="2026-11-30 14:15"))


def test_the_systemd_units_pass_systemd_analyze(tmp_path: Path) -> None:
    import shutil
    import subprocess

    for name in ("smsremind.service", "smsremind.timer"):
        shutil.copy(ROOT / "examples" / "systemd" / name, tmp_path / name)
    done = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            "--man=no",
            str(tmp_path / "smsremind.timer"),
            str(tmp_path / "smsremind.service"),
        ],
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr  # a mistyped key fails here
    timer = (ROOT / "examples" / "systemd" / "smsremind.timer").read_text()
    assert "OnCalendar=*:0/5" in timer


def test_logrotate_example_rotates_by_moving_the_file() -> None:
    text = (ROOT / "examples" / "logrotate.conf").read_text(encoding="utf-8")
    assert re.search(r"^/\S+/smsremind\.log \{$", text, re.M)
    assert "copytruncate" not in text.replace("no copytruncate", "")  # the handler reopens a moved file
