"""Config: precedence, defaults, loud errors naming file and key (SPEC §9)."""

from __future__ import annotations

from dataclasses import fields
from datetime import time
from pathlib import Path

import pytest

from smsremind import config
from smsremind.errors import ConfigError
from tests.conftest import ROOT


def parse(text: str, path: str = "/srv/gabinet/smsremind.toml") -> config.Config:
    return config.parse(text, Path(path))


def test_example_config_loads_and_documents_every_key() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    cfg = parse(text)
    assert cfg == parse("")  # the example shows exactly the defaults
    sections = (
        ("reminders", config.Reminders),
        ("notify", config.Notify),
        ("gateway", config.Gateway),
        ("quota", config.Quota),
        ("email", config.Email),
        ("payments", config.Payments),
        ("payments.seller", config.Party),
        ("payments.buyer", config.Party),
        ("output", config.Output),
        ("log", config.Log),
        ("monitoring", config.Monitoring),
    )
    for section, cls in sections:
        assert f"[{section}]" in text
        for f in fields(cls):
            key = f.metadata.get("name", f.name)
            table = "section" in f.metadata or key == "packs"
            shown = f"\n[{section}.{key}]" if table else f"\n{key} = "
            assert shown in text, f"{section}.{key} is not documented in config.example.toml"


def test_defaults_match_spec() -> None:
    cfg = parse("")
    assert cfg.enabled is False
    assert (cfg.reminders.mode, cfg.reminders.hours_before, cfg.reminders.days_before) == (
        "before",
        24,
        1,
    )
    assert cfg.reminders.window == (time(9), time(20))
    assert cfg.reminders.skip_weekends is True and cfg.reminders.holidays == ""
    assert cfg.quota.monthly == 300 and cfg.quota.alerts == (50, 30, 0)
    assert cfg.gateway.provider == "outbox"


def test_paths_resolve_against_config_and_database() -> None:
    cfg = parse('database = "data/practice.db"\n[gateway]\noutbox = "out.jsonl"')
    assert cfg.database == Path("/srv/gabinet/data/practice.db")
    assert cfg.gateway.outbox == Path("/srv/gabinet/data/out.jsonl")
    assert cfg.email.maildir == Path("/srv/gabinet/data/mail")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[reminders]\nat = "25:00"', '[reminders] at = "25:00": must be a clock time "HH:MM"'),
        (
            "[reminders]\nhours_before = 5",
            "[reminders] hours_before = 5: must be a whole number from 24 to 168",
        ),
        (
            '[reminders]\nmode = "weekly"',
            '[reminders] mode = "weekly": must be one of "before", "fixed"',
        ),
        ('[reminders]\nwindow = ["20:00", "09:00"]', "the window must start before it ends"),
        (
            "[reminders]\nhours_befor = 24",
            "[reminders] hours_befor: unknown key (did you mean 'hours_before'?)",
        ),
        ("[reminder]\nmode = 'before'", "reminder: unknown key (did you mean 'reminders'?)"),
        ('timezone = "Europe/Warszawa"', "unknown time zone 'Europe/Warszawa'"),
        ('enabled = "yes"', 'enabled = "yes": must be true or false'),
        (
            '[gateway]\nprovider = "smsapii"',
            'must be one of "outbox", "smsapi", "smsbrana", "twilio"',
        ),
        ('[reminders]\nholidays = "XX"', 'must be "" or a country code'),
        ("[quota]\nalerts = [50, -1]", "must be a list of whole numbers >= 0"),
        ('[import.columns]\nstrat = "Termin"', "unknown column 'strat' (did you mean 'start'?)"),
        ("enabled = tru", "not valid TOML"),
    ],
    ids=[
        "bad-clock",
        "hours-too-small",
        "bad-mode",
        "window-backwards",
        "typo-key",
        "typo-section",
        "bad-zone",
        "bool-as-string",
        "bad-provider",
        "bad-holidays",
        "negative-alert",
        "bad-import-column",
        "not-toml",
    ],
)
def test_bad_values_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert str(info.value).startswith("/srv/gabinet/smsremind.toml: ")
    assert message in str(info.value)


def test_precedence_flag_then_env_then_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.locate(None) == tmp_path / "smsremind.toml"
    monkeypatch.setenv("SMSREMIND_CONFIG", "/etc/from-env.toml")
    assert config.locate(None) == Path("/etc/from-env.toml")
    assert config.locate("given.toml") == tmp_path / "given.toml"


def test_missing_config_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no config file at .*smsremind.toml \(run `smsremind init`"):
        config.load(None)


def test_secret_from_environment_when_file_leaves_it_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSREMIND_SMSAPI_TOKEN", "from-env")
    assert parse('[gateway]\nprovider = "smsapi"').gateway.token == "from-env"
    assert parse('[gateway]\ntoken = "in-file"').gateway.token == "in-file"


def test_practices_tables() -> None:
    cfg = parse('[practices."Gabinet Uśmiech"]\nphone = "+48 22 123 45 67"\nsender = "Usmiech"')
    assert cfg.sender_for("Gabinet Uśmiech") == "Usmiech"
    assert cfg.sender_for("Other") == "Gabinet"
    with pytest.raises(ConfigError, match=r"\[practices.X\] sendr: unknown key \(did you mean 'sender'\?\)"):
        parse('[practices."X"]\nsendr = "a"')


def test_readable_config_with_secrets_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "smsremind.toml"
    path.write_text('[gateway]\ntoken = "secret"\n')
    path.chmod(0o644)
    cfg = config.load(path)
    assert config.has_secrets(cfg) and config.readable_by_others(path)
    path.chmod(0o600)
    assert not config.readable_by_others(path)


def test_a_bad_secret_value_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as info:
        parse("[gateway]\ntoken = 123456789")
    assert str(info.value) == "/srv/gabinet/smsremind.toml: [gateway] token = ***: must be a string in quotes"
