"""What sending says to people, in Polish and Czech: gateway errors, `gateway check`, the
`status --check` line (with its counts) and the cron warning; `status --json` stays English."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import Cli, csv_file
from tests.fakes.fake_smsapi import FakeSmsapi

HEAD = "id,start,phone,patient,practice\n"


@pytest.fixture
def smsapi() -> Iterator[FakeSmsapi]:
    with FakeSmsapi() as fake:
        yield fake


def gateway(fake: FakeSmsapi, token: str) -> str:
    return f'[gateway]\nprovider = "smsapi"\ntoken = "{token}"\nbase_url = "{fake.url}"\ntimeout = 0.5\n'


def load(app: Cli, n: int) -> None:
    rows = "".join(f"{i},2026-12-01 14:{i:02d},+4860123{i:04d},P{i},Gabinet\n" for i in range(1, n + 1))
    app("import", str(csv_file(app.folder, HEAD + rows)), now="2026-11-20 10:00")


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("pl", "smsremind: błąd: SMSAPI: autoryzacja nie powiodła się (101); sprawdź [gateway] token\n"),
        ("cs", "smsremind: chyba: SMSAPI: autorizace selhala (101); zkontrolujte [gateway] token\n"),
    ],
)
def test_refused_credentials_are_one_line_in_the_language(
    make_app: Callable[..., Cli], smsapi: FakeSmsapi, lang: str, line: str
) -> None:
    app = make_app(f'ui_language = "{lang}"\n' + gateway(smsapi, "wrong-token"))
    load(app, 2)
    assert app("run", now="2026-11-30 19:00", code=1).stderr == line
    assert app("gateway", "check", code=1).stderr == line
    assert smsapi.accepted == []


def test_gateway_check_speaks_the_language(make_app: Callable[..., Cli], smsapi: FakeSmsapi) -> None:
    app = make_app('ui_language = "cs"\n' + gateway(smsapi, "test-token"))
    shown = " ".join(app("gateway", "check").stdout.split())  # the terminal may wrap it
    assert shown.startswith(f"SMSAPI na {smsapi.url}: token přijat (testovací zpráva, nic neodesláno); ")
    assert "odpovědi chodí do SMSAPI jen přes callback" in shown


@pytest.mark.parametrize(
    ("lang", "held", "line"),
    [
        ("pl", 1, "PROBLEM: 1 wiadomość wstrzymana: limit SMS wyczerpany"),
        ("pl", 2, "PROBLEM: 2 wiadomości wstrzymane: limit SMS wyczerpany"),
        ("pl", 5, "PROBLEM: 5 wiadomości wstrzymanych: limit SMS wyczerpany"),
        ("cs", 1, "PROBLEM: 1 zpráva pozdržena: limit SMS vyčerpán"),
        ("cs", 2, "PROBLEM: 2 zprávy pozdrženy: limit SMS vyčerpán"),
        ("cs", 5, "PROBLEM: 5 zpráv pozdrženo: limit SMS vyčerpán"),
        ("en", 1, "PROBLEM: 1 message held: the SMS quota is used up"),
        ("en", 5, "PROBLEM: 5 messages held: the SMS quota is used up"),
    ],
)
def test_status_check_counts_held_messages_in_the_language(
    make_app: Callable[..., Cli], lang: str, held: int, line: str
) -> None:
    app = make_app(f'ui_language = "{lang}"\n[quota]\nmonthly = {6 - held}\nalerts = []\n')
    load(app, 6)
    app("run", now="2026-11-30 19:00", code=None)
    assert app("status", "--check", now="2026-11-30 19:01", code=7).stdout == line + "\n"


def test_the_cron_warning_is_said_in_the_language_and_json_keeps_english(
    make_app: Callable[..., Cli],
) -> None:
    app = make_app('ui_language = "pl"\n')
    warning = "no run has happened yet: add `smsremind run` to cron (every 5 minutes)"
    assert app.json("status", now="2026-11-30 12:00")["warning"] == warning
    shown = " ".join(app("status", now="2026-11-30 12:00").stdout.split())
    assert "jeszcze nie było żadnego uruchomienia: dodaj `smsremind run` do crona (co 5 minut)" in shown
    assert warning not in shown
    check = app("status", "--check", now="2026-11-30 12:00", code=4).stdout
    assert (
        check
        == "PROBLEM: jeszcze nie było żadnego uruchomienia: dodaj `smsremind run` do crona (co 5 minut)\n"
    )


@pytest.mark.parametrize(
    ("lang", "visits", "retry_after", "line"),
    [
        (  # nothing but 429s: the count in its plural form, our stored reason in words
            "pl",
            2,
            0,
            "smsremind: bramka odpowiadała wyłącznie błędami: wstrzymane: 2 wiadomości, nieznany los: 0 "
            "(ostatni: bramka ograniczyła tempo wysyłki (429)); następne uruchomienie spróbuje ponownie\n",
        ),
        (  # a Retry-After longer than a run may wait stops it
            "cs",
            5,
            3600,
            "smsremind: smsapi žádá o 3600 s pauzy (Retry-After), déle, než může toto spuštění čekat; "
            "odesílání zastaveno, další spuštění bude pokračovat (čeká 5 zpráv)\n",
        ),
    ],
    ids=["errors-only", "long-retry-after"],
)
def test_a_run_the_gateway_stopped_says_so_in_one_line_in_the_language(
    make_app: Callable[..., Cli], smsapi: FakeSmsapi, lang: str, visits: int, retry_after: int, line: str
) -> None:
    """The one line cron mails; the stored reason stays a code."""
    app = make_app(f'ui_language = "{lang}"\n[quota]\nalerts = []\n' + gateway(smsapi, "test-token"))
    load(app, visits)
    smsapi.rate_limit_next(times=100, retry_after=retry_after)
    assert app("run", now="2026-11-30 19:00", code=3).stderr == line
    attention = app.json("status", now="2026-11-30 19:01")["attention"]
    assert attention and {m["reason"] for m in attention} == {"gateway-unavailable"}
