"""`explain` speaks the practice's language to people; its --json is the same in every language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.cron import cron
from tests.conftest import Cli, csv_file

HEAD = "id,start,phone,patient,practice\n"
# Visit 2 (Monday 30 Nov, 18:00) is booked on its own day at 12:00: its reminder day (Friday
# 27 Nov) had passed. Visit 1 (Sunday 29 Nov) was booked early; its Saturday is not a sending day.
FIRST = "0,2026-12-09 10:00,601234560,Z,P\n1,2026-11-29 10:00,601234567,A,P\n"
LATER = FIRST + "2,2026-11-30 18:00,601234568,B,P\n"


def speak(app: Cli, lang: str) -> None:
    toml = app.folder / "smsremind.toml"
    lines = [line for line in toml.read_text().splitlines() if not line.startswith("ui_language")]
    toml.write_text("\n".join([lines[0], f'ui_language = "{lang}"', *lines[1:]]) + "\n")


@pytest.fixture
def booked(app: Cli) -> Cli:
    app("import", str(csv_file(app.folder, HEAD + FIRST)), now="2026-11-20 10:00")
    app("import", str(csv_file(app.folder, HEAD + LATER)), now="2026-11-30 12:00")
    return app


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        (
            "pl",
            [
                "  1. termin wyjściowy: 24 h przed pon. 2026-11-30 18:00 (czas lokalny)"
                " -> niedz. 2026-11-29 18:00",
                "  2. okno wysyłki: w oknie wysyłki 09:00-20:00",
                "  3. dzień wysyłki: następny dzień wysyłki nie przypada przed dniem wizyty"
                " -> pt. 2026-11-27",
                "  4. dzień wizyty: 2026-11-27 przypada przed dniem wizyty 2026-11-30",
                "  5. zapis: zapisano pon. 2026-11-30 12:00: dzień przypomnienia już minął",
            ],
        ),
        (
            "cs",
            [
                "  1. výchozí čas: 24 h před Po 2026-11-30 18:00 (místní čas) -> Ne 2026-11-29 18:00",
                "  2. okno odesílání: v okně odesílání 09:00-20:00",
                "  3. den odesílání: další den odesílání není před dnem návštěvy -> Pá 2026-11-27",
                "  4. den návštěvy: 2026-11-27 je před dnem návštěvy 2026-11-30",
                "  5. objednání: objednáno Po 2026-11-30 12:00: den připomínky už uplynul",
            ],
        ),
    ],
)
def test_explain_of_a_late_booking_speaks_the_language(booked: Cli, lang: str, lines: list[str]) -> None:
    speak(booked, lang)
    shown = booked("explain", "2", now="2026-11-30 12:05").stdout.splitlines()
    assert shown[1:6] == lines
    reason = {"pl": "zapisano po terminie przypomnienia", "cs": "objednáno po termínu připomínky"}[lang]
    assert f"({reason})" in shown[6]  # the verdict names the reason in words, not its code
    assert "booked-too-late" not in "\n".join(shown)


def test_a_weekend_day_is_named_in_the_language(booked: Cli) -> None:
    speak(booked, "pl")
    assert (
        "  3. dzień wysyłki: sobota to nie dzień wysyłki -> pt. 2026-11-27"
        in booked("explain", "1", now="2026-11-20 12:00").stdout.splitlines()
    )
    speak(booked, "cs")
    assert (
        "  3. den odesílání: sobota není den odesílání -> Pá 2026-11-27"
        in booked("explain", "1", now="2026-11-20 12:00").stdout.splitlines()
    )


def test_explain_json_is_byte_identical_in_every_language(booked: Cli) -> None:
    docs = {}
    for lang in ("en", "pl", "cs"):
        speak(booked, lang)
        docs[lang] = [booked("explain", i, "--json", now="2026-11-30 12:05").stdout for i in ("1", "2")]
    assert docs["pl"] == docs["en"] == docs["cs"]
    assert '"reason": "booked-too-late"' in docs["en"][1]
    assert '"text": "booked Mon 2026-11-30 12:00: the reminder day had already passed"' in docs["en"][1]
    assert '"text": "Saturday is not a sending day -> Fri 2026-11-27"' in docs["en"][0]


def test_an_unknown_appointment_is_said_in_the_language(booked: Cli) -> None:
    speak(booked, "cs")
    result = booked("explain", "99", now="2026-11-30 12:05", code=1)
    assert "žádná návštěva s id '99'" in result.stderr


def test_the_locale_chooses_the_language_when_the_config_does_not(tmp_path: Path) -> None:
    """Cron's bare environment plus LANG: the installed command, in a subprocess."""
    config = tmp_path / "smsremind.toml"
    config.write_text("enabled = true\n", encoding="utf-8")
    config.chmod(0o600)
    cron(tmp_path, "init")
    (tmp_path / "a.csv").write_text(HEAD + FIRST, encoding="utf-8")
    (tmp_path / "b.csv").write_text(HEAD + LATER, encoding="utf-8")
    cron(tmp_path, "-q", "import", "a.csv", now="2026-11-20 10:00")
    cron(tmp_path, "-q", "import", "b.csv", now="2026-11-30 12:00")
    polish = cron(tmp_path, "explain", "2", now="2026-11-30 12:05", env={"LANG": "pl_PL.UTF-8"}).stdout
    assert "5. zapis: zapisano pon. 2026-11-30 12:00: dzień przypomnienia już minął" in polish
    english = cron(tmp_path, "explain", "2", now="2026-11-30 12:05").stdout
    assert "5. booking: booked Mon 2026-11-30 12:00: the reminder day had already passed" in english
