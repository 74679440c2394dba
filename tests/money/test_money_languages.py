"""`quota buy` refusals and mail errors in Polish and Czech, against the local Przelewy24 server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Cli, p24_config

BUY = ("quota", "buy", "100", "--no-browser", "--poll", "0.02", "--wait", "1")


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        (
            "pl",
            "smsremind: błąd: Przelewy24 nie jest skonfigurowany: ustaw [payments] merchant_id, "
            "[payments] api_key, [payments] crc (api_key i crc mogą pochodzić z "
            "SMSREMIND_P24_API_KEY / SMSREMIND_P24_CRC)\n",
        ),
        (
            "cs",
            "smsremind: chyba: Przelewy24 není nastaven: nastavte [payments] merchant_id, "
            "[payments] api_key, [payments] crc (api_key a crc mohou být v "
            "SMSREMIND_P24_API_KEY / SMSREMIND_P24_CRC)\n",
        ),
    ],
)
def test_buying_without_payments_configured_says_what_is_missing(
    make_app: Callable[..., Cli], lang: str, line: str
) -> None:
    app = make_app(f'ui_language = "{lang}"\n')
    assert app(*BUY, code=1).stderr == line


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        (
            "pl",
            "smsremind: błąd: Przelewy24 odrzucił dane logowania ([payments] pos_id / api_key): "
            "Incorrect authentication\n",
        ),
        (
            "cs",
            "smsremind: chyba: Przelewy24 odmítl přihlašovací údaje ([payments] pos_id / api_key): "
            "Incorrect authentication\n",
        ),
    ],
)
def test_refused_payment_credentials_are_one_line_and_nothing_is_credited(
    make_app: Callable[..., Cli], p24: Any, lang: str, line: str
) -> None:
    config = p24_config(p24).replace(f'api_key = "{p24.api_key}"', 'api_key = "wrong"')
    app = make_app(f'ui_language = "{lang}"\n' + config)
    assert app(*BUY, code=1).stderr == line
    assert app.json("quota")["bought_left"] == 0


def test_a_mail_folder_that_is_a_file_is_said_in_the_language(make_app: Callable[..., Cli], p24: Any) -> None:
    """The invoice cannot be mailed: said in Czech, and the pack is credited all the same."""
    app = make_app('ui_language = "cs"\n' + p24_config(p24) + '[email]\nmaildir = "mailfile"\n')
    (app.folder / "mailfile").write_text("not a maildir\n")
    p24.pay_later(after_polls=1)
    result = app(*BUY, now="2026-11-20 10:00")
    said = " ".join(result.stderr.split())
    assert f"nelze zapsat poštu do {app.folder / 'mailfile'}: není to složka (symbolický odkaz?)" in said
    assert app.json("quota", now="2026-11-20 10:00")["bought_left"] == 100
