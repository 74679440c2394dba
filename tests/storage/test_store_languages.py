"""Issue 17: what the database and our files say goes out in the practice's language
(ui_language, else the locale of cron's bare environment); the log file stays English."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from smsremind import i18n
from smsremind.storage.migrations import MIGRATIONS
from smsremind.storage.store import explain_error
from tests.cli.cron import HEAD, cron, install
from tests.conftest import Cli, write_config

PL, CS = {"LANG": "pl_PL.UTF-8"}, {"LANG": "cs_CZ.UTF-8"}


def test_a_missing_database_says_how_to_create_it_in_polish(tmp_path: Path) -> None:
    config = tmp_path / "smsremind.toml"
    config.write_text('ui_language = "pl"\n', encoding="utf-8")
    result = Cli(tmp_path)("status", code=1)
    assert result.stderr == (
        f"smsremind: błąd: brak bazy danych {tmp_path / 'smsremind.db'}; "
        f"utwórz ją poleceniem: smsremind --config {config} init\n"
    )


def test_a_newer_database_is_refused_in_czech(tmp_path: Path) -> None:
    install(tmp_path)
    db = tmp_path / "smsremind.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    done = cron(tmp_path, "status", now="2026-11-30 14:05", code=1, env=CS)
    assert done.stderr == (
        f"smsremind: chyba: {db}: vytvořena novější verzí smsremind; pro její použití aktualizujte "
        f"smsremind (schéma 99, tato verze zná {len(MIGRATIONS)})\n"
    )


def test_a_busy_database_says_so_in_polish(tmp_path: Path) -> None:
    install(tmp_path)
    db = tmp_path / "smsremind.db"
    (tmp_path / "more.csv").write_text(HEAD + "7,2026-12-02 10:00,+48601240007,Q,Gabinet\n")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a long import
    try:
        env = {**PL, "SMSREMIND_BUSY_TIMEOUT": "1"}
        done = cron(tmp_path, "-q", "import", "more.csv", now="2026-11-29 11:00", code=1, env=env)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.stderr == (
        f"smsremind: błąd: {db}: zajęta: inny proces smsremind blokował bazę danych dłużej niż 1 s; "
        "niczego nie zmieniono, spróbuj ponownie\n"
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("pl", "{db}: pełny dysk (lub błąd dysku) podczas zapisu bazy danych; niczego nie zmieniono; "),
        ("cs", "{db}: plný disk (nebo chyba disku) při zápisu databáze; nic nebylo změněno; "),
        ("en", "{db}: disk full (or a disk error) while writing the database; nothing was changed; "),
    ],
)
def test_what_sqlite_says_is_explained_in_the_language(tmp_path: Path, lang: str, expected: str) -> None:
    i18n.use(lang)
    db = tmp_path / "smsremind.db"
    said = str(explain_error(sqlite3.OperationalError("database or disk is full"), db))
    assert said.startswith(expected.format(db=db))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "pl",
            "smsremind: błąd: --before 2026-11-30: najpóźniej 2026-11-29 (wczoraj); wizyty, które jeszcze "
            "się nie skończyły, i ich wiadomości są zachowywane, żeby nikt nie dostał przypomnienia dwa "
            "razy; niczego nie usunięto\n",
        ),
        (
            "cs",
            "smsremind: chyba: --before 2026-11-30: nejpozději 2026-11-29 (včera); návštěvy, které ještě "
            "neskončily, a jejich zprávy se ponechávají, aby nikdo nedostal připomínku dvakrát; nic nebylo "
            "smazáno\n",
        ),
    ],
)
def test_purge_refuses_today_in_the_language(tmp_path: Path, lang: str, expected: str) -> None:
    write_config(tmp_path, f'ui_language = "{lang}"\n')
    result = Cli(tmp_path)("purge", "--before", "2026-11-30", now="2026-11-30 12:00", code=2)
    assert result.stderr == expected


def test_backup_onto_the_live_database_is_refused_in_czech(tmp_path: Path) -> None:
    write_config(tmp_path, 'ui_language = "cs"\n')
    db = tmp_path / "smsremind.db"
    result = Cli(tmp_path)("backup", str(db), code=1)
    assert result.stderr == f"smsremind: chyba: {db} je používaná databáze; zadejte jiný soubor\n"


def test_unsafe_files_are_refused_and_warned_about_in_polish_and_the_log_stays_english(
    tmp_path: Path,
) -> None:
    install(tmp_path)
    db = tmp_path / "smsremind.db"
    db.chmod(0o644)
    done = cron(tmp_path, "status", now="2026-11-29 11:00", env=PL)
    warning = f"smsremind: ostrzeżenie: plik {db} mogą czytać inni użytkownicy; uruchom: chmod 600 {db}"
    assert warning in done.stderr.splitlines()
    log = (tmp_path / "smsremind.log").read_text(encoding="utf-8")
    assert f" WARNING run=- {db} is readable by others; run: chmod 600 {db}\n" in log
    assert "mogą czytać" not in log
    db.chmod(0o600)
    real = tmp_path / "real.db"
    db.rename(real)
    db.symlink_to(real)
    refused = cron(tmp_path, "status", now="2026-11-29 11:00", code=1, env=CS)
    assert refused.stderr == (
        f"smsremind: chyba: {db} je symbolický odkaz; nebude použit (zadejte skutečnou cestu)\n"
    )
