"""The command line speaks Polish or Czech (`ui_language`, else the locale); `--json` never changes.

The installation of :func:`tests.cli.cron.install`: visits on Tue 1 Dec 14:0N, reminded (and sent)
by the run at Mon 30 Nov 14:30.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.cron import cron, install
from tests.conftest import Cli

SENT_AT = "2026-11-30 14:30"


def speak(folder: Path, lang: str) -> Cli:
    """The same installation, now with ``ui_language = lang`` at the top of its config."""
    config = folder / "smsremind.toml"
    lines = [line for line in config.read_text(encoding="utf-8").splitlines() if "ui_language" not in line]
    config.write_text(f'ui_language = "{lang}"\n' + "\n".join(lines) + "\n", encoding="utf-8")
    return Cli(folder)


@pytest.mark.parametrize(
    ("lang", "rows", "head", "sent"),
    [
        ("pl", 1, "Uruchomienie o 2026-11-30 14:30: ", "1 wysłana"),
        ("pl", 2, "Uruchomienie o 2026-11-30 14:30: ", "2 wysłane"),
        ("pl", 5, "Uruchomienie o 2026-11-30 14:30: ", "5 wysłanych"),
        ("cs", 1, "Běh v 2026-11-30 14:30: ", "1 odeslaná"),
        ("cs", 2, "Běh v 2026-11-30 14:30: ", "2 odeslané"),
        ("cs", 5, "Běh v 2026-11-30 14:30: ", "5 odeslaných"),
    ],
)
def test_the_run_summary_from_cron_counts_in_the_practice_language(
    tmp_path: Path, lang: str, rows: int, head: str, sent: str
) -> None:
    install(tmp_path, f'ui_language = "{lang}"\n', rows=rows)
    done = cron(tmp_path, "run", now=SENT_AT)
    first = done.stdout.splitlines()[0]
    assert first == head + sent, first  # the zero counts left out: the line fits 80 columns
    assert done.stderr == ""


def test_the_locale_speaks_polish_when_the_config_says_nothing(tmp_path: Path) -> None:
    install(tmp_path, rows=2)
    polish = {"LANG": "pl_PL.UTF-8"}
    done = cron(tmp_path, "run", now=SENT_AT, env=polish)
    assert done.stdout.startswith("Uruchomienie o 2026-11-30 14:30: 2 wysłane\n")
    status = cron(tmp_path, "status", now="2026-11-30 14:35", env=polish).stdout
    assert "Ostatnie uruchomienie: 2026-11-30 14:30, ok (2 wysłane)\n" in status
    assert "Pula SMS: zostało " in status and "Dziś (2026-11-30): 2 wysłane" in status
    helped = cron(tmp_path, "run", "--help", env=polish).stdout
    assert "Wyślij wiadomości, na które przyszła pora" in helped
    assert "Pokaż, co zostałoby wysłane; niczego nie zmieniaj." in helped
    assert "smsremind run --dry-run --json" in helped  # the examples stay as they are typed
    # cron's usual bare environment (no LANG): English
    assert cron(tmp_path, "status", now="2026-11-30 14:35").stdout.startswith("Last run: ")
    # the config beats the locale
    speak(tmp_path, "cs")
    assert cron(tmp_path, "status", now="2026-11-30 14:35", env=polish).stdout.startswith("Poslední běh: ")


STATUS = {
    "pl": [
        "Ostatnie uruchomienie: 2026-11-30 14:30, ok (2 wysłane)",
        "Pula SMS: zostało 298 części (298 z 300 miesięcznie, 0 dokupionych)",
        "Dziś (2026-11-30): 2 wysłane",
    ],
    "cs": [
        "Poslední běh: 2026-11-30 14:30, ok (2 odeslané)",
        "Limit SMS: zbývá 298 částí (298 z 300 měsíčně, 0 dokoupených)",
        "Dnes (2026-11-30): 2 odeslané",
    ],
}
# (command, what its output contains): the quota table, the templates table, explain's lines
SHOWN = {
    "pl": [
        (("quota",), ["Pula SMS (2026-11)", "Pula miesięczna", "298 / 300", "Dokupione", "Razem"]),
        (("templates", "list"), ["Teksty wiadomości", "Rodzaj", "Części (maks.)", "domyślny"]),
        (
            ("explain", "1"),
            [
                "Wizyta 1 w gabinecie Gabinet: 2026-12-01 14:01 (umówiona)",
                "=> wysyłka 2026-11-30 14:01",
                r"przypomnienie: wiadomość wysłana, 2026-11-30 14:\d\d, dotyczy 1: ",
            ],
        ),
    ],
    "cs": [
        (("quota",), ["Limit SMS (2026-11)", "Měsíční limit", "298 / 300", "Dokoupené", "Celkem"]),
        (("templates", "list"), ["Texty zpráv", "Druh", "Části (max.)", "výchozí"]),
        (
            ("explain", "1"),
            [
                "Návštěva 1 v ordinaci Gabinet: 2026-12-01 14:01 (platná)",
                "=> odeslání 2026-11-30 14:01",
                r"připomínka: zpráva odeslána, 2026-11-30 14:\d\d, týká se 1: ",
            ],
        ),
    ],
}


@pytest.mark.parametrize("lang", ["pl", "cs"])
def test_status_quota_templates_and_explain_speak_the_language(tmp_path: Path, lang: str) -> None:
    install(tmp_path, rows=2)
    cron(tmp_path, "run", now=SENT_AT)
    app = speak(tmp_path, lang)
    status = app("status", now="2026-11-30 14:35").stdout.splitlines()
    assert status[: len(STATUS[lang])] == STATUS[lang], status
    for args, expected in SHOWN[lang]:
        shown = app(*args, now="2026-11-30 14:35").stdout
        for pattern in expected:
            assert re.search(pattern if "\\d" in pattern else re.escape(pattern), shown), (
                args,
                pattern,
                shown,
            )


@pytest.mark.parametrize(
    ("lang", "usage", "text"),
    [
        ("pl", "Wyślij wiadomości, na które przyszła pora (uruchamiaj z crona", "Wypisz JSON"),
        ("cs", "Odeslat zprávy, na které právě přišla řada (spouštějte z cronu", "JSON"),
    ],
)
def test_run_help_in_the_config_language(tmp_path: Path, lang: str, usage: str, text: str) -> None:
    install(tmp_path, f'ui_language = "{lang}"\n')
    helped = cron(tmp_path, "run", "--help").stdout
    assert usage in helped and 'smsremind --now "2026-11-27 12:00" run' in helped
    assert ("Przykłady:" if lang == "pl" else "Příklady:") in helped
    assert "Send the messages" not in helped and "Show what would be sent" not in helped


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("pl", {1: "1 wypisany numer", 2: "2 wypisane numery", 5: "5 wypisanych numerów"}),
        ("cs", {1: "1 odhlášené číslo", 2: "2 odhlášená čísla", 5: "5 odhlášených čísel"}),
        ("en", {1: "1 opted-out number", 2: "2 opted-out numbers", 5: "5 opted-out numbers"}),
    ],
)
def test_counted_titles_take_the_language_plural_forms(
    tmp_path: Path, lang: str, forms: dict[int, str]
) -> None:
    install(tmp_path)
    app = speak(tmp_path, lang)
    added = 0
    for n, title in forms.items():
        while added < n:
            added += 1
            app("optout", "add", f"+48 601 000 {added:03d}")
        assert app("optout", "list").stdout.splitlines()[0].strip() == title


def test_json_is_byte_identical_in_every_language(tmp_path: Path) -> None:
    install(tmp_path, rows=5)
    cron(tmp_path, "run", now="2026-11-30 14:02")  # two sent, three still planned
    commands = [
        ("status", "--json"),
        ("quota", "--json"),
        ("quota", "history", "--json"),
        ("templates", "list", "--json"),
        ("explain", "1", "--json"),
        ("explain", "5", "--json"),
        ("preview", "--date", "2026-11-30", "--json"),
        ("optout", "list", "--json"),
        ("run", "--dry-run", "--json"),
    ]
    shown: dict[str, list[str]] = {}
    for lang in ("en", "pl", "cs"):
        app = speak(tmp_path, lang)
        shown[lang] = [app(*args, now="2026-11-30 14:03").stdout for args in commands]
    assert shown["pl"] == shown["en"] and shown["cs"] == shown["en"]
    assert '"planned"' in shown["en"][0] and '"sent": 2' in shown["en"][0]
    # and people's output does change: the same status read three times
    human = {
        lang: speak(tmp_path, lang)("status", now="2026-11-30 14:03").stdout for lang in ("en", "pl", "cs")
    }
    assert len(set(human.values())) == 3
