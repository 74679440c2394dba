"""Texts (SPEC §6): defaults for every weekday, safe rendering, the templates commands."""

from __future__ import annotations

import json
import os
import stat
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from smsremind.texts import templates
from tests.conftest import Cli, csv_file

MONDAY = datetime(2026, 11, 30, 10, 30)
PRACTICE = "Gabinet Uśmiech"

# Written by hand, one line per weekday Monday 30 Nov .. Sunday 6 Dec 2026, 10:30.
EXPECTED = {
    ("reminder", "pl"): [
        "Gabinet Uśmiech przypomina o wizycie: poniedziałek, 30.11.2026, godz. 10:30.",
        "Gabinet Uśmiech przypomina o wizycie: wtorek, 01.12.2026, godz. 10:30.",
        "Gabinet Uśmiech przypomina o wizycie: środa, 02.12.2026, godz. 10:30.",
        "Gabinet Uśmiech przypomina o wizycie: czwartek, 03.12.2026, godz. 10:30.",
        "Gabinet Uśmiech przypomina o wizycie: piątek, 04.12.2026, godz. 10:30.",
        "Gabinet Uśmiech przypomina o wizycie: sobota, 05.12.2026, godz. 10:30.",
        "Gabinet Uśmiech przypomina o wizycie: niedziela, 06.12.2026, godz. 10:30.",
    ],
    ("confirmation", "pl"): [
        "Gabinet Uśmiech potwierdza wizytę: poniedziałek, 30.11.2026, godz. 10:30.",
        "Gabinet Uśmiech potwierdza wizytę: wtorek, 01.12.2026, godz. 10:30.",
        "Gabinet Uśmiech potwierdza wizytę: środa, 02.12.2026, godz. 10:30.",
        "Gabinet Uśmiech potwierdza wizytę: czwartek, 03.12.2026, godz. 10:30.",
        "Gabinet Uśmiech potwierdza wizytę: piątek, 04.12.2026, godz. 10:30.",
        "Gabinet Uśmiech potwierdza wizytę: sobota, 05.12.2026, godz. 10:30.",
        "Gabinet Uśmiech potwierdza wizytę: niedziela, 06.12.2026, godz. 10:30.",
    ],
    ("reschedule", "pl"): [
        "Gabinet Uśmiech: termin wizyty zmieniony. Nowy termin: poniedziałek, 30.11.2026, godz. 10:30.",
        "Gabinet Uśmiech: termin wizyty zmieniony. Nowy termin: wtorek, 01.12.2026, godz. 10:30.",
        "Gabinet Uśmiech: termin wizyty zmieniony. Nowy termin: środa, 02.12.2026, godz. 10:30.",
        "Gabinet Uśmiech: termin wizyty zmieniony. Nowy termin: czwartek, 03.12.2026, godz. 10:30.",
        "Gabinet Uśmiech: termin wizyty zmieniony. Nowy termin: piątek, 04.12.2026, godz. 10:30.",
        "Gabinet Uśmiech: termin wizyty zmieniony. Nowy termin: sobota, 05.12.2026, godz. 10:30.",
        "Gabinet Uśmiech: termin wizyty zmieniony. Nowy termin: niedziela, 06.12.2026, godz. 10:30.",
    ],
    ("cancellation", "pl"): [
        "Gabinet Uśmiech: odwołano wizytę (poniedziałek, 30.11.2026, godz. 10:30).",
        "Gabinet Uśmiech: odwołano wizytę (wtorek, 01.12.2026, godz. 10:30).",
        "Gabinet Uśmiech: odwołano wizytę (środa, 02.12.2026, godz. 10:30).",
        "Gabinet Uśmiech: odwołano wizytę (czwartek, 03.12.2026, godz. 10:30).",
        "Gabinet Uśmiech: odwołano wizytę (piątek, 04.12.2026, godz. 10:30).",
        "Gabinet Uśmiech: odwołano wizytę (sobota, 05.12.2026, godz. 10:30).",
        "Gabinet Uśmiech: odwołano wizytę (niedziela, 06.12.2026, godz. 10:30).",
    ],
    ("reminder", "cs"): [
        "Gabinet Uśmiech připomíná termín návštěvy: pondělí 30. 11. 2026 v 10:30.",
        "Gabinet Uśmiech připomíná termín návštěvy: úterý 1. 12. 2026 v 10:30.",
        "Gabinet Uśmiech připomíná termín návštěvy: středa 2. 12. 2026 v 10:30.",
        "Gabinet Uśmiech připomíná termín návštěvy: čtvrtek 3. 12. 2026 v 10:30.",
        "Gabinet Uśmiech připomíná termín návštěvy: pátek 4. 12. 2026 v 10:30.",
        "Gabinet Uśmiech připomíná termín návštěvy: sobota 5. 12. 2026 v 10:30.",
        "Gabinet Uśmiech připomíná termín návštěvy: neděle 6. 12. 2026 v 10:30.",
    ],
    ("confirmation", "cs"): [
        "Gabinet Uśmiech potvrzuje termín návštěvy: pondělí 30. 11. 2026 v 10:30.",
        "Gabinet Uśmiech potvrzuje termín návštěvy: úterý 1. 12. 2026 v 10:30.",
        "Gabinet Uśmiech potvrzuje termín návštěvy: středa 2. 12. 2026 v 10:30.",
        "Gabinet Uśmiech potvrzuje termín návštěvy: čtvrtek 3. 12. 2026 v 10:30.",
        "Gabinet Uśmiech potvrzuje termín návštěvy: pátek 4. 12. 2026 v 10:30.",
        "Gabinet Uśmiech potvrzuje termín návštěvy: sobota 5. 12. 2026 v 10:30.",
        "Gabinet Uśmiech potvrzuje termín návštěvy: neděle 6. 12. 2026 v 10:30.",
    ],
    ("reschedule", "cs"): [
        "Gabinet Uśmiech: termín návštěvy byl změněn. Nový termín: pondělí 30. 11. 2026 v 10:30.",
        "Gabinet Uśmiech: termín návštěvy byl změněn. Nový termín: úterý 1. 12. 2026 v 10:30.",
        "Gabinet Uśmiech: termín návštěvy byl změněn. Nový termín: středa 2. 12. 2026 v 10:30.",
        "Gabinet Uśmiech: termín návštěvy byl změněn. Nový termín: čtvrtek 3. 12. 2026 v 10:30.",
        "Gabinet Uśmiech: termín návštěvy byl změněn. Nový termín: pátek 4. 12. 2026 v 10:30.",
        "Gabinet Uśmiech: termín návštěvy byl změněn. Nový termín: sobota 5. 12. 2026 v 10:30.",
        "Gabinet Uśmiech: termín návštěvy byl změněn. Nový termín: neděle 6. 12. 2026 v 10:30.",
    ],
    ("cancellation", "cs"): [
        "Gabinet Uśmiech: návštěva (pondělí 30. 11. 2026 v 10:30) byla zrušena.",
        "Gabinet Uśmiech: návštěva (úterý 1. 12. 2026 v 10:30) byla zrušena.",
        "Gabinet Uśmiech: návštěva (středa 2. 12. 2026 v 10:30) byla zrušena.",
        "Gabinet Uśmiech: návštěva (čtvrtek 3. 12. 2026 v 10:30) byla zrušena.",
        "Gabinet Uśmiech: návštěva (pátek 4. 12. 2026 v 10:30) byla zrušena.",
        "Gabinet Uśmiech: návštěva (sobota 5. 12. 2026 v 10:30) byla zrušena.",
        "Gabinet Uśmiech: návštěva (neděle 6. 12. 2026 v 10:30) byla zrušena.",
    ],
}
CASES = [(k, lang, day) for (k, lang) in EXPECTED for day in range(7)]


@pytest.mark.parametrize(
    ("kind", "lang", "day"),
    CASES,
    ids=[f"{k}-{lang}-{MONDAY + timedelta(days=d):%a}" for k, lang, d in CASES],
)
def test_default_texts_for_every_weekday(kind: str, lang: str, day: int) -> None:
    subject = templates.Subject(MONDAY + timedelta(days=day), "Jan Kowalski", PRACTICE, "dr Nowak", "")
    text = templates.render(templates.default_text(kind, lang), templates.values(subject, lang))
    assert text == EXPECTED[(kind, lang)][day]


def test_english_defaults_name_weekday_and_date() -> None:
    subject = templates.Subject(MONDAY, "Emily Clarke", "Clinic", "", "")
    values = templates.values(subject, "en")
    assert (values["weekday"], values["date"], values["time"], values["first_name"]) == (
        "Monday",
        "30 Nov 2026",
        "10:30",
        "Emily",
    )


@pytest.mark.parametrize(
    "text",
    ["{patient.__class__}", "{patient[0]}", "{time:>10}", "{patient!r}", "{unknown}", "{}", "   ", ""],
    ids=["attribute", "index", "format-spec", "conversion", "unknown-name", "positional", "blank", "empty"],
)
def test_set_rejects_anything_but_plain_placeholders(app: Cli, text: str) -> None:
    result = app("templates", "set", "reminder", text, code=2)
    assert (
        "allowed placeholders: {patient}, {first_name}, {date}, {time}, {weekday}, {practice}, "
        "{doctor}, {practice_phone}, {count}" in result.stderr
    )
    assert app.json("templates", "list")[0]["custom"] is False


def test_literal_braces_are_allowed(app: Cli) -> None:
    app("templates", "set", "reminder", "{{SMS}} {practice} {time}")
    app(
        "import",
        str(csv_file(app.folder, "id,start,phone,practice\n1,2026-12-01 10:00,601234567,P\n")),
        now="2026-11-20 10:00",
    )
    app("run", now="2026-11-30 10:00")
    assert app.outbox()[0]["text"] == "{SMS} P 10:00"


def test_set_show_reset_and_the_run_uses_custom_text(app: Cli) -> None:
    app(
        "templates",
        "set",
        "reminder",
        "{first_name}, {practice} czeka {weekday} o {time}. Tel. {practice_phone}",
        "--lang",
        "pl",
    )
    assert (
        "reminder (pl, custom): {first_name}, {practice} czeka" in app("templates", "show", "reminder").stdout
    )
    (app.folder / "smsremind.toml").write_text(
        'enabled = true\n[practices."Gabinet"]\nphone = "+48 22 123 45 67"\n'
    )
    rows = (
        "id,start,phone,patient,practice,language\n1,2026-12-01 10:00,601234567,Jan Kowalski,Gabinet,\n"
        "2,2026-12-01 10:00,601234568,Jiří Novák,Gabinet,cs\n"
    )
    app("import", str(csv_file(app.folder, rows)), now="2026-11-20 10:00")
    app("run", now="2026-11-30 10:00")
    texts = sorted(m["text"] for m in app.outbox())
    assert texts == [
        "Gabinet připomíná termín návštěvy: úterý 1. 12. 2026 v 10:00.",
        "Jan, Gabinet czeka wtorek o 10:00. Tel. +48 22 123 45 67",
    ]
    assert "is the default text again" in app("templates", "reset", "reminder", "--lang", "pl").stdout
    assert "already was the default" in app("templates", "reset", "reminder", "--lang", "pl").stdout


def test_edit_opens_the_editor(app: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\np = sys.argv[1]\nopen(p, 'w').write('{practice}: do zobaczenia o {time}.')\n"
    )
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    result = app("templates", "edit", "confirmation", "--lang", "pl")
    assert "Saved confirmation (pl)." in result.stdout
    assert app.json("templates", "list")[3] == {
        "kind": "confirmation",
        "language": "pl",
        "custom": True,
        "text": "{practice}: do zobaczenia o {time}.",
        "parts": 1,
        "worst_parts": 2,
        "encoding": "UCS-2",
    }  # "Uśmiech" in the sample practice name


def test_preview_shows_cost_ucs2_characters_and_warns(app: Cli) -> None:
    doc = app.json("templates", "preview", "reminder", "--lang", "pl", now="2026-11-27 10:00")
    assert doc["sample"]["text"].endswith("przypomina o wizycie: poniedziałek, 30.11.2026, godz. 10:30.")
    assert (doc["sample"]["encoding"], doc["sample"]["parts"]) == ("UCS-2", 2)
    assert "ś" in doc["sample"]["ucs2_chars"] and doc["worst"]["parts"] >= doc["sample"]["parts"]
    assert "Konstantynowicz-Wiśniewska" not in doc["worst"]["text"]  # the default names no patient
    result = app("templates", "preview", "reminder", "--lang", "cs", now="2026-11-27 10:00")
    assert "UCS-2 because of (highlighted): á í ě ł ř ś š" in result.stdout  # ł: "Zakład", worst case
    assert "warning: reminder (cs) needs up to 2 SMS parts per message" in result.stderr


def test_transliterate_keeps_texts_in_one_gsm7_part(make_app) -> None:
    app = make_app("transliterate = true\n")
    app("templates", "set", "reminder", "{practice}: {weekday} {date} {time}", "--lang", "pl")
    doc = app.json("templates", "preview", "reminder", "--lang", "pl", now="2026-11-27 10:00")
    assert (doc["sample"]["encoding"], doc["sample"]["parts"], doc["sample"]["ucs2_chars"]) == (
        "GSM-7",
        1,
        [],
    )
    assert doc["sample"]["text"] == "Gabinet Stomatologiczny Usmiech: poniedzialek 30.11.2026 10:30"
    assert "warning" not in app("templates", "set", "reminder", "{first_name} {time}").stderr


def test_templates_list_json_covers_every_kind_and_language(app: Cli) -> None:
    doc = app.json("templates", "list")
    assert [(d["kind"], d["language"]) for d in doc] == [
        (k, lang) for k in templates.KINDS for lang in templates.LANGUAGES
    ]
    assert json.dumps(doc)  # plain JSON
    assert os.environ.get("SMSREMIND_CONFIG") is None
