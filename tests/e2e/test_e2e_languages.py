"""The demo in Polish, Czech and English, the way cron runs it (bare environment, a pipe):
what people read speaks the language, fits 80 columns without padding, and leaks no English;
what machines read (--json) is the same in every language."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT, SAMPLE

BIN = Path(sys.executable).parent / "smsremind"
pytestmark = pytest.mark.slow
IMPORT_AT, DAY = "2026-11-26 18:00", "2026-11-27"


def sh(folder: Path, *args: str, now: str, env: dict[str, str] | None = None, code: int = 0) -> str:
    environ = {"PATH": os.environ["PATH"], **(env or {})}
    done = subprocess.run(
        [str(BIN), "--now", now, *args], cwd=folder, capture_output=True, text=True, env=environ, timeout=120
    )
    assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout + done.stderr


def demo(folder: Path, ui_language: str) -> dict[str, str]:
    """The steps of `make run`, each command's output by name."""
    folder.mkdir()
    sh(folder, "init", now=IMPORT_AT)
    config = folder / "smsremind.toml"
    text = config.read_text().replace("enabled = false ", "enabled = true  ", 1)
    config.write_text(text.replace('ui_language = ""', f'ui_language = "{ui_language}"', 1))
    shown = {"import": sh(folder, "import", str(SAMPLE), now=IMPORT_AT)}
    shown["preview"] = sh(folder, "preview", "--date", DAY, now=IMPORT_AT)
    shown["run"] = sh(folder, "run", now=f"{DAY} 12:00")
    shown["status"] = sh(folder, "status", now=f"{DAY} 12:05")
    shown["quota"] = sh(folder, "quota", now=f"{DAY} 12:05")
    shown["json"] = sh(folder, "preview", "--date", DAY, "--json", now=f"{DAY} 12:05")
    return shown


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    base = tmp_path_factory.mktemp("languages")
    return {lang: demo(base / lang, lang) for lang in ("pl", "cs", "en")}


def test_each_language_speaks_its_own(shown: dict[str, dict[str, str]]) -> None:
    assert shown["pl"]["preview"].startswith("piątek, 27 listopada 2026: 11 wiadomości\n")
    assert shown["cs"]["preview"].startswith("pátek 27. listopadu 2026: 11 zpráv\n")
    assert shown["en"]["preview"].startswith("Friday, 27 November 2026: 11 messages\n")
    headings = {lang: out["preview"].splitlines()[1].split() for lang, out in shown.items()}
    assert {"Wysyłka", "Do", "Wizyty", "Stan", "Części"} <= set(headings["pl"])
    assert {"Odeslání", "Komu", "Návštěvy", "Stav", "Části"} <= set(headings["cs"])
    assert "zaplanowana" in shown["pl"]["preview"] and "naplánována" in shown["cs"]["preview"]


def test_people_output_fits_80_columns_without_padding(shown: dict[str, dict[str, str]]) -> None:
    for lang, outputs in shown.items():
        for name, text in outputs.items():
            if name == "json":
                continue
            for line in text.splitlines():
                assert line == line.rstrip(), (lang, name, line)
        for name in ("preview", "run", "quota"):  # the tables; the run's one-line summary may run longer
            lines = outputs[name].splitlines()[1 if name == "run" else 0 :]
            assert max(map(len, lines)) <= 80, (lang, name, outputs[name])


def test_json_is_the_same_in_every_language(shown: dict[str, dict[str, str]]) -> None:
    docs = {lang: json.loads(outputs["json"]) for lang, outputs in shown.items()}
    assert docs["pl"] == docs["cs"] == docs["en"]
    assert {m["status"] for m in docs["pl"]} >= {"sent", "skipped"}


def _english_msgids(lang: str) -> list[str]:
    """Every English message of two words or more whose translation differs from it."""
    with (ROOT / "smsremind/locale" / lang / "LC_MESSAGES/smsremind.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    found = []
    for m in catalog:
        ids = (m.id,) if isinstance(m.id, str) else m.id
        strings = (m.string,) if isinstance(m.string, str) else m.string
        for msgid in ids:
            fixed = re.split(r"\{[^}]*\}|%[sdr]", msgid)  # the words between the placeholders
            for piece in fixed:
                piece = piece.strip(" :;,.()")
                if len(piece.split()) >= 2 and piece not in strings and not any(piece in s for s in strings):
                    found.append(piece)
    return found


@pytest.mark.parametrize("lang", ["pl", "cs"])
def test_no_english_leaks_into_a_translated_demo(shown: dict[str, dict[str, str]], lang: str) -> None:
    english = _english_msgids(lang)
    assert len(english) > 20
    for name, text in shown[lang].items():
        if name == "json":
            continue
        leaks = [piece for piece in english if piece in text]
        assert not leaks, (lang, name, leaks)
