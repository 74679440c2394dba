"""Files we write are never someone else's, never reached through a symlink, never chmod-ed unless ours.

Tests run as root: "another user" is a file chown-ed to a uid that is not ours.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.cli.cron import cron

OTHER_UID = 4242
CSV = "id,start,phone,patient,practice\n1,2026-12-01 14:00,+48601234567,Jan Kowalski,Gabinet\n"
IMPORT_AT, DUE_AT = "2026-11-29 10:00", "2026-11-30 14:05"
PASSWD = b"root:x:0:0:root:/root:/bin/bash\n"
SOMEONE_ELSES = pytest.mark.parametrize(
    ("prepare", "says"),
    [
        (lambda p: os.chown(p, OTHER_UID, OTHER_UID), "belongs to another user (uid 4242)"),
        (lambda p: p.chmod(0o666), "is writable by others"),
    ],
    ids=["other-owner", "world-writable"],
)


def install(folder: Path, extra: str = "") -> Path:
    """An enabled installation with one reminder due at DUE_AT."""
    config = folder / "smsremind.toml"
    config.write_text(f"enabled = true\n{extra}", encoding="utf-8")
    config.chmod(0o600)
    cron(folder, "init")
    (folder / "in.csv").write_text(CSV, encoding="utf-8")
    cron(folder, "import", "in.csv", now=IMPORT_AT)
    return config


def victim(folder: Path) -> Path:
    path = folder / "passwd"
    path.write_bytes(PASSWD)
    path.chmod(0o644)
    return path


def assert_untouched(path: Path) -> None:
    assert path.read_bytes() == PASSWD
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize("name", ["outbox.jsonl", "smsremind.db.lock"])
def test_outbox_or_lock_through_a_symlink_is_refused_and_its_target_untouched(
    tmp_path: Path, name: str
) -> None:
    target = victim(tmp_path)
    install(tmp_path)
    (tmp_path / name).symlink_to(target)
    done = cron(tmp_path, "run", now=DUE_AT, code=1)
    assert f"{name} is a symbolic link; refusing to use it" in done.stderr
    assert done.stderr.count("\n") == 1
    assert_untouched(target)


def test_outbox_naming_a_file_that_is_not_an_outbox_is_never_appended_to(tmp_path: Path) -> None:
    target = victim(tmp_path)
    target.chmod(0o600)  # ours, private: only its content says it is not an outbox
    install(tmp_path, f'[gateway]\noutbox = "{target}"\n')
    done = cron(tmp_path, "run", now=DUE_AT, code=1)
    assert "is not an smsremind outbox" in done.stderr
    assert target.read_bytes() == PASSWD and stat.S_IMODE(target.stat().st_mode) == 0o600


@SOMEONE_ELSES
def test_outbox_precreated_by_someone_else_is_refused(tmp_path: Path, prepare, says: str) -> None:
    install(tmp_path)
    outbox = tmp_path / "outbox.jsonl"
    outbox.write_bytes(b"")
    outbox.chmod(0o644)
    prepare(outbox)
    mode = stat.S_IMODE(outbox.stat().st_mode)
    done = cron(tmp_path, "run", now=DUE_AT, code=1)
    assert says in done.stderr
    assert outbox.read_bytes() == b"" and stat.S_IMODE(outbox.stat().st_mode) == mode


def test_outbox_we_create_is_private_and_a_readable_one_is_used_with_a_warning(tmp_path: Path) -> None:
    install(tmp_path)
    cron(tmp_path, "run", now=DUE_AT)
    outbox = tmp_path / "outbox.jsonl"
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o600
    assert json.loads(outbox.read_text())["to"] == "+48601234567"


@SOMEONE_ELSES
def test_database_of_someone_else_is_refused_by_every_command(tmp_path: Path, prepare, says: str) -> None:
    install(tmp_path)
    db = tmp_path / "smsremind.db"
    prepare(db)
    before = db.read_bytes()
    for args in (["status"], ["run"], ["import", "in.csv"]):
        done = cron(tmp_path, *args, now=DUE_AT, code=1)
        assert done.stdout == "" and says in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert db.read_bytes() == before
    assert not (tmp_path / "outbox.jsonl").exists()


def test_database_readable_by_others_works_with_a_warning_and_keeps_its_mode(tmp_path: Path) -> None:
    install(tmp_path)
    db = tmp_path / "smsremind.db"
    db.chmod(0o644)
    done = cron(tmp_path, "status", now=DUE_AT)
    assert f"{db} is readable by others; run: chmod 600 {db}" in done.stderr
    assert stat.S_IMODE(db.stat().st_mode) == 0o644  # not ours to change


def test_dangling_database_symlink_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    config = tmp_path / "smsremind.toml"
    config.write_text("enabled = true\n", encoding="utf-8")
    config.chmod(0o600)
    (tmp_path / "smsremind.db").symlink_to(tmp_path / "elsewhere.db")
    for args in (["init"], ["status"]):
        done = cron(tmp_path, *args, code=1)
        assert "smsremind.db is a symbolic link; refusing to use it" in done.stderr
    assert not (tmp_path / "elsewhere.db").exists()


def test_database_path_that_is_a_device_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "smsremind.toml"
    config.write_text('database = "/dev/null"\n', encoding="utf-8")
    done = cron(tmp_path, "init", code=1)
    assert "/dev/" in done.stderr and "is not a regular file" in done.stderr
    assert not Path("/dev/smsremind.log").exists()  # the log beside it is not created either


def test_maildir_through_a_symlink_gets_no_mail(tmp_path: Path) -> None:
    install(tmp_path, "[quota]\nmonthly = 1\nalerts = [0]\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "mail").symlink_to(elsewhere)
    done = cron(tmp_path, "run", now=DUE_AT)
    assert "cannot write mail into" in done.stderr and "symbolic link" in done.stderr
    assert list(elsewhere.iterdir()) == []
