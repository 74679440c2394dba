"""Every command is documented: a help text and an example block (STYLE point 3)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from smsremind.cli import cli


def _commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append((path, command))
        if isinstance(command, click.Group):
            found += _commands(command, path)
    return found


COMMANDS = _commands(cli)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help(path: tuple[str, ...], command: click.Command) -> None:
    assert command.help and len(command.help.strip()) > 20
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0 and "Usage: " in result.output


TOP_LEVEL = [(p, c) for p, c in COMMANDS if len(p) == 1]


@pytest.mark.parametrize(("path", "command"), TOP_LEVEL, ids=[p[0] for p, _ in TOP_LEVEL])
def test_top_level_command_shows_an_example(path: tuple[str, ...], command: click.Command) -> None:
    assert "\b\n" in (command.help or "") and "smsremind " in (command.help or ""), path


def test_readme_lists_every_top_level_command() -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for (name,), _ in TOP_LEVEL:
        assert f"`{name}" in readme, name


def _example_keys(table: dict, section: str = "") -> list[tuple[str, str]]:
    """(section, key) for every key of config.example.toml; a table of data (packs) is one key."""
    found = []
    for key, value in table.items():
        if isinstance(value, dict):
            name = f"{section}.{key}" if section else key
            if value and all(k.isidentifier() for k in value):
                found += _example_keys(value, name)
            else:
                found.append((name, ""))  # [payments.packs], [import.columns]: documented as a table
        else:
            found.append((section, key))
    return found


def _doc_sections(text: str) -> dict[str, str]:
    """'## `[gateway]`' -> the text up to the next '## ' heading; '## Top level' -> ''."""
    sections: dict[str, str] = {}
    for chunk in text.split("\n## ")[1:]:
        heading, _, body = chunk.partition("\n")
        name = heading.strip().strip("`").strip("[]") if "[" in heading else ""
        sections[name] = body
    return sections


def test_every_example_config_key_is_documented() -> None:
    import tomllib

    from tests.conftest import ROOT

    example = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    sections = _doc_sections((ROOT / "docs" / "configuration.md").read_text(encoding="utf-8"))
    keys = _example_keys(example)
    assert len(keys) > 60  # the walk really saw the example
    for section, key in keys:
        assert section in sections, f"docs/configuration.md has no section [{section}]"
        if key:
            assert f"| `{key}` |" in sections[section], f"[{section}] {key} is not in docs/configuration.md"


def test_product_docs_stay_inside_the_repo() -> None:
    import re

    from tests.conftest import ROOT

    docs = [ROOT / "README.md", ROOT / "config.example.toml", *sorted((ROOT / "docs").glob("*.md"))]
    for path in docs:
        text = path.read_text(encoding="utf-8")
        for banned in ("SPEC §", "SPEC.md", "../shared"):
            assert banned not in text, f"{path.name} mentions {banned!r}"
        for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if not link.startswith(("http://", "https://")):
                target = (path.parent / link).resolve()
                assert target.is_relative_to(ROOT) and target.exists(), f"{path.name}: broken link {link}"


def test_user_docs_exist_and_name_every_status_check_code() -> None:
    from smsremind.sending import status
    from tests.conftest import ROOT

    for name in ("csv-format", "rules", "configuration", "operations", "exit-codes"):
        assert (ROOT / "docs" / f"{name}.md").exists(), name
    codes = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    for code in (status.CHECK_CRON, status.CHECK_ERROR, status.CHECK_FAILED, status.CHECK_HELD):
        assert f"\n| {code} |" in codes
