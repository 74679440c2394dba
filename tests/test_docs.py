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
