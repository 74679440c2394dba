"""Config: precedence, defaults, loud errors naming file and key (SPEC §9)."""

from __future__ import annotations

from dataclasses import fields
from datetime import time
from pathlib import Path

import pytest

from smsremind import config
from smsremind.errors import ConfigError
from tests.cli.cron import cron
from tests.conftest import ROOT, Cli, write_config


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


# --- issue 17: config and command-line value errors in the practice's language


def _cli_with(tmp_path: Path, text: str) -> Cli:
    path = tmp_path / "smsremind.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return Cli(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'ui_language = "pl"\ntimezon = "Europe/Warsaw"',
            "timezon: nieznany klucz (czy chodziło o 'timezone'?)",
        ),
        (
            'ui_language = "cs"\ntimezon = "Europe/Warsaw"',
            "timezon: neznámý klíč (nemysleli jste 'timezone'?)",
        ),
        (
            'ui_language = "pl"\n[reminders]\nhours_before = 3',
            "[reminders] hours_before = 3: musi być liczbą całkowitą od 24 do 168",
        ),
        (
            'ui_language = "cs"\n[reminders]\nhours_before = 3',
            "[reminders] hours_before = 3: musí být celé číslo od 24 do 168",
        ),
        (
            'ui_language = "pl"\n[import.columns]\nstrat = "Termin"',
            "[import] columns = {'strat': 'Termin'}: nieznana kolumna 'strat' (czy chodziło o 'start'?)",
        ),
        (
            'ui_language = "cs"\ntimezone = "Europe/Warszawa"',
            "timezone = \"Europe/Warszawa\": neznámé časové pásmo 'Europe/Warszawa'",
        ),
        (
            'ui_language = "pl"\n[reminders]\nwindow = ["20:00", "09:00"]',
            "[reminders] window = ['20:00', '09:00']: okno musi się zaczynać przed swoim końcem",
        ),
        (
            'ui_language = "cs"\n[payments]\ninvoice_series = "SMS/{x}/{n}"',
            '[payments] invoice_series = "SMS/{x}/{n}": neznámé pole {x}; použijte {account}, {year} a {n}',
        ),
        ('ui_language = "pl"\nenabled = "yes"', 'enabled = "yes": musi być true albo false'),
    ],
    ids=[
        "key-pl",
        "key-cs",
        "range-pl",
        "range-cs",
        "column-pl",
        "zone-cs",
        "window-pl",
        "series-cs",
        "bool-pl",
    ],
)
def test_config_errors_speak_the_configured_language(tmp_path: Path, text: str, expected: str) -> None:
    """ui_language is read before the rest of the file is checked: its own errors speak it."""
    result = _cli_with(tmp_path, text)("status", code=1)
    error = "błąd" if 'ui_language = "pl"' in text else "chyba"
    assert result.stderr == f"smsremind: {error}: {tmp_path / 'smsremind.toml'}: {expected}\n"


def test_a_broken_config_speaks_the_locale_in_crons_environment(tmp_path: Path) -> None:
    """Not valid TOML: ui_language cannot be read, so LANG decides (cron's bare environment)."""
    (tmp_path / "smsremind.toml").write_text('ui_language = "cs"\nenabled = \n', encoding="utf-8")
    done = cron(tmp_path, "status", code=1, env={"LANG": "pl_PL.UTF-8"})
    assert done.stderr.startswith(f"smsremind: błąd: {tmp_path / 'smsremind.toml'}: niepoprawny TOML: ")
    assert done.stderr.count("\n") == 1
    missing = cron(tmp_path, "--config", "nowhere.toml", "status", code=1, env={"LANG": "cs_CZ.UTF-8"})
    assert missing.stderr == (
        f"smsremind: chyba: konfigurační soubor {tmp_path / 'nowhere.toml'} neexistuje (spusťte "
        "`smsremind init`, nebo zadejte --config / nastavte SMSREMIND_CONFIG)\n"
    )


@pytest.mark.parametrize(
    ("lang", "args", "expected"),
    [
        (
            "pl",
            ["--now", "2026-02-31 10:00", "status"],
            "--now: '2026-02-31 10:00' to nie jest poprawna data i godzina (dzień spoza zakresu miesiąca)",
        ),
        (
            "cs",
            ["--now", "2026-03-29 02:30", "status"],
            "--now: 2026-03-29 02:30 v pásmu Europe/Warsaw neexistuje (posun hodin na letní čas)",
        ),
        (
            "cs",
            ["--now", "zítra", "status"],
            "--now: 'zítra' není datum a čas (YYYY-MM-DD HH:MM nebo DD.MM.YYYY HH:MM)",
        ),
        (
            "pl",
            ["preview", "--date", "31.02.2026"],
            "'31.02.2026' to nie jest data (YYYY-MM-DD lub DD.MM.YYYY)",
        ),
        ("cs", ["preview", "--date", "1800-01-01"], "'1800-01-01': rok 1800 je mimo rozsah (1900-2199)"),
    ],
    ids=["impossible-day-pl", "dst-gap-cs", "not-a-date-cs", "date-pl", "year-cs"],
)
def test_now_and_date_errors_speak_the_configured_language(
    tmp_path: Path, lang: str, args: list[str], expected: str
) -> None:
    write_config(tmp_path, f'ui_language = "{lang}"\n')
    result = Cli(tmp_path)(*args, code=2)
    assert result.stderr == f"smsremind: {'błąd' if lang == 'pl' else 'chyba'}: {expected}\n"
