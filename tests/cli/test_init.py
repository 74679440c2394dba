"""`init` from a hand-written config; the database error names the command that works."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.cli.cron import cron


def test_init_keeps_a_hand_written_config_and_creates_its_database(tmp_path: Path) -> None:
    config = tmp_path / "smsremind.toml"
    config.write_text('database = "data/gabinet.db"\nenabled = true\n', encoding="utf-8")
    config.chmod(0o600)
    before = config.read_bytes()

    missing = cron(tmp_path, "run", code=1)
    assert missing.stdout == ""
    assert missing.stderr == (
        f"smsremind: error: no database at {tmp_path}/data/gabinet.db; "
        f"create it with: smsremind --config {config} init\n"
    )

    done = cron(tmp_path, "init")
    assert f"Using the existing config {config}" in done.stdout
    assert f"Created database {tmp_path}/data/gabinet.db" in done.stdout
    assert config.read_bytes() == before
    assert stat.S_IMODE((tmp_path / "data" / "gabinet.db").stat().st_mode) == 0o600
    cron(tmp_path, "run")  # now it works

    db_before = (tmp_path / "data" / "gabinet.db").read_bytes()
    again = cron(tmp_path, "init")
    assert "already exists; nothing changed" in again.stdout and again.stderr == ""
    assert (tmp_path / "data" / "gabinet.db").read_bytes() == db_before
    assert config.read_bytes() == before


def test_init_refuses_a_config_path_that_is_not_a_file(tmp_path: Path) -> None:
    done = cron(tmp_path, "--config", "/dev/null", "status", code=1)
    assert (
        done.stderr
        == "smsremind: error: /dev/null is not a regular file; give the path of a TOML config file\n"
    )
    proc = cron(tmp_path, "--config", "/proc/self/status", "init", code=1)
    assert (
        proc.stderr
        == "smsremind: error: /proc/self/status is not a regular file; give the path of a TOML config file\n"
    )
