"""The language of what smsremind prints for people: Polish, Czech or English.

Strings are marked in the code with ``_("…")`` (translated now), ``N_("…")`` (marked only: a
msgid kept in a table or a click help text, translated when shown) and ``ngettext`` for counts.
``make i18n`` extracts them with Babel into ``smsremind/locale/messages.pot``, updates the
``pl`` and ``cs`` catalogs (``.po``, in the repository) and compiles them to ``.mo`` (built,
shipped in the wheel). English is the msgid itself.

The language is ``ui_language`` from the config, else the locale (``LC_ALL``, ``LC_MESSAGES``,
``LANG``, in POSIX order), else English. Only people's output changes: ``--json``, exit codes,
config keys, reason codes and the log file stay as they are, because machines read those.
"""

from __future__ import annotations

import gettext
import os
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal

DOMAIN = "smsremind"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("pl", "cs", "en")
# Babel locales for dates and numbers: a Polish or Czech practice, English as in Europe (24 h).
BABEL_LOCALE = {"pl": "pl_PL", "cs": "cs_CZ", "en": "en_GB"}

_catalog: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it (tables, help texts)."""
    return message


def _(message: str) -> str:
    """``message`` in the current language (the msgid is the English text); a :class:`Later`
    message is translated with its fields."""
    if isinstance(message, Later):
        return message.translated()
    return _catalog.gettext(message)


class Later(str):
    """A message made now and shown later, perhaps to a machine: the str itself is the English
    text (for ``--json``, the log file, stored data), ``_(message)`` the people's language.

    ``Later(N_("{column} is empty"), column="phone")``: the msgid is marked where the message
    is made; its fields are formatted into the English now and into the translation when shown
    (a field that is itself Later is translated too). Only made when a message is produced, so
    the cost stays off hot paths.
    """

    msgid: str
    fields: dict[str, object]

    def __new__(cls, msgid: str, **fields: object) -> Later:
        made = super().__new__(cls, msgid.format(**fields) if fields else msgid)
        made.msgid, made.fields = str(msgid), fields
        return made

    def translated(self) -> str:
        shown = {k: _(v) if isinstance(v, Later) else v for k, v in self.fields.items()}
        try:
            text = _catalog.gettext(self.msgid)
            return text.format(**shown) if self.fields else text
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
            return str(self)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``n`` in the current language: Polish and Czech have three."""
    return _catalog.ngettext(singular, plural, n)


def message_of(exc: BaseException) -> str:
    """What ``exc`` says: its :class:`Later` message when it carries one (so it can still be
    translated when shown), else its text."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Later) else str(exc)


def language() -> str:
    return _language


def use(lang: str) -> None:
    """Speak ``lang`` (one of :data:`LANGUAGES`) from now on in this process."""
    global _catalog, _language
    _language = lang if lang in LANGUAGES else "en"
    if _language == "en":
        _catalog = gettext.NullTranslations()
    else:
        # fallback: a checkout whose catalogs are not compiled yet (`make i18n`) still runs, in English
        _catalog = gettext.translation(DOMAIN, LOCALE_DIR, [_language], fallback=True)


def from_locale(environ: Mapping[str, str] | None = None) -> str:
    """pl, cs or en from the locale variables (``pl_PL.UTF-8`` → pl; ``C`` or anything else → en)."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            code = value.split(".")[0].split("@")[0].split("_")[0].lower()
            return code if code in LANGUAGES else "en"
    return "en"


def choose(ui_language: str, environ: Mapping[str, str] | None = None) -> str:
    """The config's ``ui_language`` when set, else the locale's."""
    return ui_language if ui_language in LANGUAGES else from_locale(environ)


def early(config_path: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The language before the config is properly loaded (``--help``, errors while loading it).

    Reads only ``ui_language`` from the config file, and quietly falls back to the locale when
    the file is missing or broken: the proper load reports those problems, in this language.
    """
    env = os.environ if environ is None else environ
    path = Path(config_path or env.get("SMSREMIND_CONFIG") or "smsremind.toml")
    try:
        with path.open("rb") as fh:
            value = tomllib.load(fh).get("ui_language", "")
    except (OSError, ValueError):
        value = ""
    return choose(value if isinstance(value, str) else "", env)


def config_from_argv(argv: Sequence[str]) -> str | None:
    """The value of ``--config`` among the global options, if given."""
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--config="):
            return arg.partition("=")[2]
    return None


def babel_locale() -> str:
    return BABEL_LOCALE[_language]


def day(value: date) -> str:
    """A weekday and date for headings: "czwartek, 3 grudnia 2026", "Thursday, 3 December 2026"."""
    return format_date(value, "full", locale=babel_locale())


def number(value: int | float | Decimal) -> str:
    """A number with the language's separators (1 234 in pl/cs, 1,234 in en)."""
    return format_decimal(value, locale=babel_locale())
