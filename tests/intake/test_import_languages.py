"""Issue 17: `import` names each rejected row and its reason in the practice's language
(ui_language, else the locale), while `import --json` stays English, byte for byte."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path

import pytest

from smsremind import i18n
from smsremind.intake import importer
from smsremind.intake.rowcheck import RowError
from tests.cli.cron import cron
from tests.conftest import Cli, write_config

NOW = "2026-11-30 10:00"
HEADER = "id,start,phone,patient,practice,status\n"
# One fault per line; line 1 is the header.  Line 9 carries a cp1250 byte in a UTF-8 file
# (the UTF-8 letters of the names outnumber it: a damaged UTF-8 file, the row is rejected).
ROWS = [
    "1,2026-12-03 10:00,601234567,Łucja Żółć,Gabinet,",  # 2: fine
    "2,2026-12-03 11:00,,Jan Wójcik,Gabinet,",  # 3: no phone
    "3,31.02.2026 10:00,601234568,Ewa Kępa,Gabinet,",  # 4: no such day
    "4,2026-12-03,601234569,Olga Łęcka,Gabinet,",  # 5: no time of day
    "5,2026-12-03 12:00,601234560,Piotr Żak,Gabinet,xyz",  # 6: unknown status word
    "1,2026-12-03 13:00,601234562,Zofia Dąb,Gabinet,",  # 7: id 1 again
    "6,2026-03-29 02:30,601234564,Anna Świątek,Gabinet,",  # 8: inside the spring-forward gap
]
DAMAGED = b"7,2026-12-03 14:00,601234563,Ma\x9cgorzata,Gabinet,\n"  # 9: byte 0x9C
SHORT = "8,2026-12-03 15:00\n"  # 10: too few fields

EXPECTED = {
    "en": [
        "bad.csv: line 3: phone is empty",
        "bad.csv: line 4: start '31.02.2026 10:00' is not a valid date and time "
        "(day is out of range for month)",
        "bad.csv: line 5: start '2026-12-03' has no time of day (a separate time column: --map time=NAME)",
        "bad.csv: line 6: status 'xyz' is not scheduled or cancelled (accepted words: scheduled: ",
        "bad.csv: line 7: duplicate id '1' (already earlier in the file)",
        "bad.csv: line 8: start 2026-03-29 02:30 does not exist in Europe/Warsaw (clocks jump forward)",
        "bad.csv: line 9: byte 0x9C is not valid in this file's encoding",
        "bad.csv: line 10: has 2 fields, the header has 6 (a stray quote or delimiter?)",
    ],
    "pl": [
        "bad.csv: wiersz 3: kolumna phone jest pusta",
        "bad.csv: wiersz 4: start: '31.02.2026 10:00' to nie jest poprawna data i godzina "
        "(dzień spoza zakresu miesiąca)",
        "bad.csv: wiersz 5: start: '2026-12-03' nie ma godziny (osobna kolumna z godziną: --map time=NAME)",
        "bad.csv: wiersz 6: status 'xyz' to nie scheduled lub cancelled (przyjmowane słowa: scheduled: ",
        "bad.csv: wiersz 7: powtórzony id '1' (był już wcześniej w pliku)",
        "bad.csv: wiersz 8: start: 2026-03-29 02:30 nie istnieje w strefie Europe/Warsaw "
        "(przestawienie zegarów na czas letni)",
        "bad.csv: wiersz 9: bajt 0x9C jest niepoprawny w kodowaniu tego pliku",
        "bad.csv: wiersz 10: liczba pól: 2, w nagłówku: 6 (zabłąkany cudzysłów lub separator?)",
    ],
    "cs": [
        "bad.csv: řádek 3: sloupec phone je prázdný",
        "bad.csv: řádek 4: start: '31.02.2026 10:00' není platné datum a čas (den mimo rozsah měsíce)",
        "bad.csv: řádek 5: start: '2026-12-03' nemá čas (samostatný sloupec s časem: --map time=NAME)",
        "bad.csv: řádek 6: status 'xyz' není scheduled nebo cancelled (přijímaná slova: scheduled: ",
        "bad.csv: řádek 7: opakované id '1' (v souboru už bylo dříve)",
        "bad.csv: řádek 8: start: 2026-03-29 02:30 v pásmu Europe/Warsaw neexistuje "
        "(posun hodin na letní čas)",
        "bad.csv: řádek 9: bajt 0x9C není platný v kódování tohoto souboru",
        "bad.csv: řádek 10: počet polí: 2, v záhlaví: 6 (nečekané uvozovky nebo oddělovač?)",
    ],
}
HINT = {
    "en": "; add yours in [import.status])",
    "pl": "; własne dodasz w [import.status])",
    "cs": "; vlastní přidáte v [import.status])",
}


def bad_file(folder: Path) -> Path:
    path = folder / "bad.csv"
    path.write_bytes((HEADER + "\n".join(ROWS) + "\n").encode() + DAMAGED + SHORT.encode())
    return path


def installation(folder: Path, language: str) -> Cli:
    folder.mkdir(parents=True, exist_ok=True)
    write_config(folder, f'ui_language = "{language}"\n' if language else "")
    return Cli(folder)


def reject_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("bad.csv: ")]


def assert_rejects(lines: list[str], lang: str) -> None:
    assert len(lines) == len(EXPECTED[lang]), lines
    for line, expected in zip(lines, EXPECTED[lang], strict=True):
        assert line.startswith(expected), (line, expected)
    assert lines[3].endswith(HINT[lang]), lines[3]


@pytest.mark.parametrize("lang", ["pl", "cs", "en"])
def test_rejected_rows_are_named_in_the_practice_language(tmp_path: Path, lang: str) -> None:
    app = installation(tmp_path, lang)
    bad_file(tmp_path)
    result = app("import", "bad.csv", now=NOW, code=3)
    assert_rejects(reject_lines(result.stderr), lang)
    assert "Traceback" not in result.stderr


def test_import_json_is_byte_identical_in_every_language(tmp_path: Path) -> None:
    """The same file into three installations that speak en, pl and cs: one JSON document."""
    source = bad_file(tmp_path)
    docs = {}
    for lang in ("en", "pl", "cs"):
        app = installation(tmp_path / lang, lang)
        docs[lang] = app("import", str(source), "--json", now=NOW, code=3).stdout
    assert docs["pl"] == docs["en"] and docs["cs"] == docs["en"]
    reasons = [r["reason"] for r in json.loads(docs["en"])["rejects"]]
    assert reasons[0] == "phone is empty" and reasons[4] == "duplicate id '1' (already earlier in the file)"
    assert len(reasons) == 8


def test_a_remembered_import_is_replayed_in_the_language_of_the_day(tmp_path: Path) -> None:
    """An unchanged file is not read again (its last report is replayed): the replay still
    speaks the language configured now, and its JSON is the English of the first import."""
    app = installation(tmp_path, "pl")
    bad_file(tmp_path)
    first = app("import", "bad.csv", "--json", now=NOW, code=3).stdout
    with sqlite3.connect(tmp_path / "smsremind.db") as conn:
        memo = [json.loads(v) for (v,) in conn.execute("SELECT value FROM meta WHERE key LIKE '%source:%'")]
    assert [r[3]["msgid"] for r in memo[0]["rejects"]][:2] == ["{column} is empty", "{column} {problem}"]
    app = installation(tmp_path, "cs")
    assert_rejects(reject_lines(app("import", "bad.csv", now=NOW, code=3).stderr), "cs")
    again = json.loads(app("import", "bad.csv", "--json", now=NOW, code=3).stdout)
    assert again["rejects"] == json.loads(first)["rejects"]


def test_in_crons_bare_environment_the_locale_chooses_the_language(tmp_path: Path) -> None:
    """`env -i PATH=… LANG=cs_CZ.UTF-8 smsremind import …`, no ui_language in the config."""
    write_config(tmp_path)
    bad_file(tmp_path)
    done = cron(tmp_path, "import", "bad.csv", now=NOW, code=3, env={"LANG": "cs_CZ.UTF-8"})
    assert_rejects(reject_lines(done.stderr), "cs")
    english = cron(tmp_path, "import", "bad.csv", now=NOW, code=3)  # no LANG at all: English
    assert_rejects(reject_lines(english.stderr), "en")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("pl", "bad.csv: wiersz 2: niepoprawny CSV ("),
        ("cs", "bad.csv: řádek 2: neplatné CSV ("),
    ],
)
def test_a_broken_csv_record_is_named_in_the_practice_language(
    tmp_path: Path, lang: str, expected: str
) -> None:
    """A quote opened and never closed: the structural reject (its own reason) is translated too."""
    app = installation(tmp_path, lang)
    (tmp_path / "bad.csv").write_text(HEADER + '9,"2026-12-03 15:00,601234565,Q,Gabinet,\n', encoding="utf-8")
    lines = reject_lines(app("import", "bad.csv", now=NOW, code=3).stderr)
    assert len(lines) == 1 and lines[0].startswith(expected), lines


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "pl",
            "smsremind: błąd: bad.csv: to nie jest plik wizyt: brak wymaganej kolumny 'phone' "
            "(znalezione kolumny: 'id', 'start'; przypisz własne przez --map start=TwojaNazwa)",
        ),
        (
            "cs",
            "smsremind: chyba: bad.csv: není soubor s návštěvami: chybí povinný sloupec 'phone' "
            "(nalezené sloupce: 'id', 'start'; přiřaďte vlastní pomocí --map start=VasNazev)",
        ),
    ],
)
def test_a_file_error_is_one_line_in_the_practice_language(tmp_path: Path, lang: str, expected: str) -> None:
    app = installation(tmp_path, lang)
    (tmp_path / "bad.csv").write_text("id,start\n1,2026-12-03 10:00\n", encoding="utf-8")
    result = app("import", "bad.csv", now=NOW, code=1)
    assert result.stderr == expected + "\n"


def test_a_reason_is_english_text_that_translates_when_shown() -> None:
    """What the reject line and the JSON are built from: str() is English, _() the language."""
    i18n.use("pl")
    error = RowError("{column} is empty", column="phone")
    reason = importer.Reject(3, error.reason).reason
    assert (str(error), str(reason)) == ("phone is empty", "phone is empty")
    assert type(str(reason)) is str and json.dumps(reason) == '"phone is empty"'
    assert i18n._(reason) == "kolumna phone jest pusta"
    assert (
        i18n._(pickle.loads(pickle.dumps(reason))) == "kolumna phone jest pusta"
    )  # batches may cross processes
    i18n.use("cs")
    assert i18n._(reason) == "sloupec phone je prázdný"
