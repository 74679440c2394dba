"""The language of the command line: chosen before click parses, so ``--help`` speaks it too.

Help texts are marked ``N_("…")`` where the commands are declared and translated here, when the
language is known: :func:`apply` walks the command tree and swaps every help text for its
translation (remembering the English msgid, so a second call in the same process, as in tests,
translates from the original again).

click's own words (the help layout, usage errors) go through the standard library's global
gettext, which click calls: :func:`apply` points that at our catalog and our language, and
:data:`CLICK_WORDS` puts the ones people meet into the catalog.
"""

from __future__ import annotations

import gettext
import os

import click

from smsremind import i18n
from smsremind.i18n import N_, ngettext

_MSGID = "_smsremind_msgid"

# The msgids click uses, word for word (click/core.py, exceptions.py, formatting.py, parser.py, types.py).
CLICK_WORDS = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing command."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("Aborted!"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{name} {filename!r} does not exist."),
    N_("Could not open file {filename!r}: {message}"),
)
CLICK_PLURALS = (
    lambda n: ngettext(
        "Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", n
    ),
    lambda n: ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", n),
    lambda n: ngettext(
        "Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", n
    ),
    lambda n: ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", n),
)


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
    # click asks the stdlib's global gettext, which reads LANGUAGE first
    gettext.bindtextdomain(i18n.DOMAIN, str(i18n.LOCALE_DIR))
    gettext.textdomain(i18n.DOMAIN)
    os.environ["LANGUAGE"] = i18n.language()
