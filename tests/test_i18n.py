"""Translations: every marked string is in the pl and cs catalogs, no user-facing string is left
unmarked, the plural forms are the languages' own, and the language is chosen as documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from smsremind import i18n
from tests.conftest import ROOT

PACKAGE = ROOT / "smsremind"
LOCALES = ("pl", "cs")
# Folders whose strings are still being marked (issue 17 lands folder by folder); empty when done.
PENDING: set[str] = set()


def _extracted() -> dict[str, str | tuple[str, ...]]:
    """What `make i18n` extracts: msgid (the singular for plurals) → the whole id."""
    found: dict[str, str | tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), keywords=DEFAULT_KEYWORDS, comment_tags=()
    ):
        key = message if isinstance(message, str) else message[0]
        found[key] = message
    return found


def _catalog(lang: str) -> Catalog:
    with (PACKAGE / "locale" / lang / "LC_MESSAGES" / "smsremind.po").open("rb") as fh:
        return read_po(fh, locale=lang)


BRACES = re.compile(r"\{[a-z_]*[^}]*\}")
PERCENT = re.compile(r"%[sdr]")


def _placeholders(text: str) -> list[str]:
    return sorted(BRACES.findall(text)) + sorted(PERCENT.findall(text))


@pytest.mark.parametrize("lang", LOCALES)
def test_every_marked_string_is_translated(lang: str) -> None:
    """Extract (as `make i18n` does), then compare with the catalog: nothing missing, empty,
    fuzzy or left over, and every translation keeps the placeholders its msgid has."""
    extracted = _extracted()
    catalog = _catalog(lang)
    problems = []
    for key, whole in sorted(extracted.items()):
        entry = catalog.get(key)
        if entry is None:
            problems.append(f"missing: {key!r}")
            continue
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(forms) or entry.fuzzy:
            problems.append(f"untranslated or fuzzy: {key!r}")
            continue
        ids = whole if isinstance(whole, tuple) else (whole,)
        for form in forms:
            if _placeholders(form) != _placeholders(ids[-1]) and _placeholders(form) != _placeholders(ids[0]):
                problems.append(f"placeholders differ: {key!r} → {form!r}")
    stale = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id} - set(extracted)
    problems += [f"no longer in the code (run `make i18n`): {s!r}" for s in sorted(stale)]
    assert not problems, f"{lang}: run `make i18n` and translate:\n" + "\n".join(problems)


# --- unmarked strings

# Calls whose first argument (or ``help=``/``title=``) a person reads.
SINKS = {"echo", "secho", "print", "Failure", "BadParameter", "UsageError", "ClickException", "fail"}
LOGGED = {"warning", "error", "critical"}  # stderr, translated there: marked with N_, the file stays English
MARKERS = {"_", "N_", "ngettext"}
WORDS = re.compile(r"[A-Za-z]{2,}")


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _bare_text(node: ast.expr) -> bool:
    """A literal (or f-string, or a literal's .format()) with words in it, not passed through a marker."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORDS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_bare_text(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _bare_text(node.left) or _bare_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _bare_text(node.func.value)
    return False


def _unmarked(path: Path, base: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in MARKERS:
            continue
        shown: list[ast.expr] = [k.value for k in node.keywords if k.arg in ("help", "title")]
        if node.args and (name in SINKS or name.endswith("Error")):
            shown.append(node.args[0])
        if name in LOGGED and node.args:
            first = node.args[0]
            if not (isinstance(first, ast.Call) and _name(first.func) == "N_"):
                found.append(f"{path.relative_to(base)}:{node.lineno}: log.{name} needs N_(…)")
            continue
        found += [
            f"{path.relative_to(base)}:{node.lineno}: {ast.unparse(s)[:70]}" for s in shown if _bare_text(s)
        ]
    return found


def _checked_files() -> list[Path]:
    skip = {PACKAGE / "i18n.py", PACKAGE / "locale" / "build.py", PACKAGE / "__main__.py"}
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        top = path.relative_to(PACKAGE).parts[0]
        if path not in skip and top not in PENDING:
            files.append(path)
    return files


def test_user_facing_strings_are_marked() -> None:
    found = [line for path in _checked_files() for line in _unmarked(path)]
    assert not found, "wrap these in _(), N_() or ngettext():\n" + "\n".join(found)


def test_the_unmarked_check_catches_what_it_should(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "click.echo('Quota: 3 parts left')\n"
        "raise ConfigError(f'{path}: cannot read')\n"
        "click.option('--x', help='Print it.')\n"
        "log.warning('cannot write %s', path)\n"
        "click.echo(_('Quota: {n} parts left').format(n=3))\n"
        "click.option('--y', help=N_('Print it.'))\n"
        "log.warning(N_('cannot write %s'), path)\n"
        "click.echo(f'{n:>3} {text}')\n"
    )
    found = [line.split(": ", 1)[1] for line in _unmarked(sample, tmp_path)]
    assert len(found) == 4, found
    assert any("Quota" in f for f in found) and any("log.warning" in f for f in found)


# --- plurals and the choice of language


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("pl", {1: "1 wiadomość", 2: "2 wiadomości", 5: "5 wiadomości", 22: "22 wiadomości"}),
        ("cs", {1: "1 zpráva", 2: "2 zprávy", 5: "5 zpráv", 22: "22 zpráv"}),
        ("en", {1: "1 message", 2: "2 messages", 5: "5 messages"}),
    ],
)
def test_plural_forms(lang: str, forms: dict[int, str]) -> None:
    i18n.use(lang)
    for n, expected in forms.items():
        assert i18n.ngettext("{n} message", "{n} messages", n).format(n=n) == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "pl_PL.UTF-8"}, "pl"),
        ({"LANG": "cs_CZ.UTF-8"}, "cs"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({}, "en"),
        ({"LC_ALL": "cs_CZ.UTF-8", "LANG": "pl_PL.UTF-8"}, "cs"),
        ({"LC_MESSAGES": "pl_PL", "LANG": "en_US.UTF-8"}, "pl"),
        ({"LC_ALL": "", "LC_MESSAGES": "cs_CZ@euro", "LANG": "C"}, "cs"),
    ],
)
def test_language_from_the_locale(environ: dict[str, str], expected: str) -> None:
    assert i18n.choose("", environ) == expected


def test_ui_language_beats_the_locale_and_a_broken_config_falls_back(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('ui_language = "cs"\n')
    broken = tmp_path / "broken.toml"
    broken.write_text("ui_language = \n")
    env = {"LANG": "pl_PL.UTF-8"}
    assert i18n.early(str(good), env) == "cs"
    assert i18n.early(str(broken), env) == "pl"
    assert i18n.early(str(tmp_path / "missing.toml"), env) == "pl"
    assert i18n.config_from_argv(["--now", "x", "--config", "a.toml", "run"]) == "a.toml"
    assert i18n.config_from_argv(["--config=b.toml"]) == "b.toml"


def test_dates_and_numbers_follow_the_language() -> None:
    from datetime import date

    shown = {}
    for lang in ("pl", "cs", "en"):
        i18n.use(lang)
        shown[lang] = (i18n.day(date(2026, 12, 3)), i18n.number(1234567))
    assert shown["pl"][0].startswith("czwartek") and "grudnia" in shown["pl"][0]
    assert shown["cs"][0].startswith("čtvrtek") and "prosince" in shown["cs"][0]
    assert shown["en"][0].startswith("Thursday")
    assert shown["en"][1] == "1,234,567" and shown["pl"][1].replace("\xa0", " ") == "1 234 567"
