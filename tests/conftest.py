"""Shared fixtures: every test runs in its own folder with its own config and database."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "appointments.csv"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """cwd = tmp_path; no SMSREMIND_* variable leaks in from the environment."""
    for key in list(os.environ):
        if key.startswith("SMSREMIND_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def write_config(folder: Path, extra: str = "", enabled: bool = True) -> Path:
    path = folder / "smsremind.toml"
    head = f"enabled = {'true' if enabled else 'false'}\n"
    path.write_text(head + extra, encoding="utf-8")
    path.chmod(0o600)
    from smsremind.config import load
    from smsremind.store import Store

    Store(load(path).database, create=True).close()  # what `smsremind init` does
    return path


class Cli:
    """Runs `smsremind` in-process with a config, like a user would."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.runner = CliRunner()

    def __call__(
        self, *args: str, now: str | None = None, code: int | None = 0, input: str | None = None
    ) -> Result:
        from smsremind.cli import cli

        argv = ["--config", str(self.folder / "smsremind.toml")]
        if now:
            argv += ["--now", now]
        result = self.runner.invoke(cli, [*argv, *args], input=input, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
        return result

    def json(self, *args: str, now: str | None = None, code: int | None = 0) -> Any:
        result = self(*args, "--json", now=now, code=code)
        return json.loads(result.stdout)

    def outbox(self) -> list[dict[str, Any]]:
        path = self.folder / "outbox.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def app(tmp_path: Path) -> Cli:
    """A configured installation (enabled, defaults otherwise) in tmp_path."""
    write_config(tmp_path)
    return Cli(tmp_path)


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Cli]:
    def make(extra: str = "", enabled: bool = True) -> Cli:
        write_config(tmp_path, extra, enabled)
        return Cli(tmp_path)

    return make


def csv_file(folder: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path
