"""Days and times inside a :class:`smsremind.i18n.Later` message, with the language's weekdays.

`explain --json` carries each step's text in English ("Saturday is not a sending day -> Fri
2026-11-27"), the same in every language; people read it in theirs ("sobota to nie dzień
wysyłki -> Pt. 2026-11-27").  A step is a ``Later`` message; the dates in its fields are
:class:`Dated` values: the English as ``strftime`` writes it (as before translations existed),
translated with Babel's weekday names when the message is shown.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from babel.dates import format_date

from smsremind import i18n
from smsremind.i18n import Later

MOMENT, DAY, WEEKDAY = "%a %Y-%m-%d %H:%M", "%a %Y-%m-%d", "%A"


class Dated(Later):
    """A date in one of the formats above: "Mon 2026-12-07 14:00", "Mon 2026-12-07", "Monday"."""

    value: date
    pattern: str

    def __new__(cls, value: date, pattern: str) -> Dated:
        made = cast(Dated, super().__new__(cls, value.strftime(pattern)))  # no fields: no braces read
        made.value, made.pattern = value, pattern
        return made

    def translated(self) -> str:
        if i18n.language() == "en":
            return str(self)
        if self.pattern == WEEKDAY:
            return _weekday(self.value, "EEEE")
        return _short(self.value) + self.value.strftime(self.pattern.removeprefix("%a"))


def moment(value: datetime) -> Dated:
    return Dated(value, MOMENT)


def day(value: date) -> Dated:
    return Dated(value, DAY)


def weekday(value: date) -> Dated:
    return Dated(value, WEEKDAY)


def _weekday(value: date, pattern: str) -> str:
    return format_date(value, pattern, locale=i18n.babel_locale())


def _short(value: date) -> str:
    """Czech capitalised like "Mon" ("po", Monday, would read as "after"); Polish writes its
    weekdays in lower case ("pon.")."""
    name = _weekday(value, "EEE")
    return name if i18n.language() == "pl" else name[:1].upper() + name[1:]
