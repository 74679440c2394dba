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


@pytest.fixture(scope="session", autouse=True)
def _catalogs() -> None:
    """The tests read the .mo files built from the .po files as they are now (what `make i18n` does)."""
    from smsremind.locale.build import HERE, compile_catalogs

    compile_catalogs(HERE)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """cwd = tmp_path; no SMSREMIND_* variable leaks in from the environment; an English locale
    (a developer's LANG=pl_PL must not turn the English assertions Polish)."""
    for key in list(os.environ):
        if key.startswith("SMSREMIND_") or key in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.chdir(tmp_path)
    from smsremind import i18n

    i18n.use("en")  # a test that spoke Polish in this process leaves no Polish behind


def write_config(folder: Path, extra: str = "", enabled: bool = True) -> Path:
    path = folder / "smsremind.toml"
    head = f"enabled = {'true' if enabled else 'false'}\n"
    path.write_text(head + extra, encoding="utf-8")
    path.chmod(0o600)
    from smsremind.config import load
    from smsremind.storage.store import Store

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


# --- real servers on 127.0.0.1 for e-mail and Przelewy24


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpInbox:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    def __init__(self, user: str = "", password: str = ""):
        import email
        import email.policy

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[email.message.Message] = []
        self.user, self.password = user, password

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode(), auth_data.password.decode()) == (user, password)
            return AuthResult(success=ok)

        inbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                inbox.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                return "250 OK"

        self.port = free_port()
        options = {"authenticator": authenticate, "auth_require_tls": False} if user else {}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **options)

    def config(self) -> str:
        login = f'user = "{self.user}"\npassword = "{self.password}"\n' if self.user else ""
        server = f'host = "127.0.0.1"\nport = {self.port}\nsecurity = "none"\n'
        return f'[email]\n{server}admin = "kierownik@gabinet.pl"\n{login}'


@pytest.fixture
def smtp() -> Any:
    inbox = SmtpInbox(user="smsremind", password="s3cret")
    inbox.controller.start()
    yield inbox
    inbox.controller.stop()


@pytest.fixture
def p24() -> Any:
    from tests.fakes.p24_server import P24Server

    with P24Server() as server:
        yield server


def p24_config(server: Any) -> str:
    return (
        f"[payments]\nmerchant_id = {server.merchant_id}\n"
        f'api_key = "{server.api_key}"\ncrc = "{server.crc}"\n'
        f'base_url = "{server.url}"\naccount = "USMIECH"\n'
        '[payments.seller]\nname = "SMS Serwis Sp. z o.o."\naddress = "ul. Długa 1, 00-001 Warszawa"\n'
        'tax_id = "PL5250000000"\nemail = "faktury@smsserwis.pl"\n'
        '[payments.buyer]\nname = "Gabinet Stomatologiczny Uśmiech"\naddress = "ul. Żółkiewskiego 12, Łódź"\n'
        'tax_id = "PL7250000000"\n'
    )
