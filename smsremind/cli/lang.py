"""The language of the command line: chosen before click parses, so ``--help`` speaks it too.

Help texts are marked ``N_("…")`` where the commands are declared and translated here, when the
language is known: :func:`apply` walks the command tree and swaps every help text for its
translation (remembering the English msgid, so a second call in the same process, as in tests,
translates from the original again).
"""

from __future__ import annotations

import click

from smsremind import i18n

_MSGID = "_smsremind_msgid"


def _translated(obj: object, attr: str) -> None:
    key = f"{_MSGID}_{attr}"
    if not hasattr(obj, key):
        setattr(obj, key, getattr(obj, attr, None))
    original = getattr(obj, key)
    if isinstance(original, str) and original:
        setattr(obj, attr, i18n._(original))


def translate(command: click.Command) -> None:
    """Translate the help, short help and option help texts of ``command`` and its subcommands."""
    for attr in ("help", "short_help", "epilog"):
        _translated(command, attr)
    for param in command.params:
        _translated(param, "help")
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate(sub)


def apply(language: str, root: click.Command) -> None:
    """Speak ``language`` from now on, help texts included."""
    i18n.use(language)
    translate(root)
