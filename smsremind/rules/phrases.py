"""A text computed once and written twice: English for JSON, the user's language for people.

`explain --json` and `status --json` put some computed sentences into their documents, where
machines read them and they must not change with the language; the same sentences are printed
for people in Polish or Czech.  A :class:`Phrase` keeps the ``N_``-marked English template and
the raw values (times, days, nested phrases), and renders either way on demand, so neither
rendering depends on the language that happened to be active when it was computed (steps
1-3 of the schedule are cached across calls).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from babel.dates import format_date

from smsremind import i18n


@dataclass(frozen=True)
class Moment:
    """A wall time with its weekday: "Mon 2026-12-07 14:00" (pl "Pon. 2026-12-07 14:00")."""

    value: datetime


@dataclass(frozen=True)
class Day:
    """A date with its weekday: "Mon 2026-12-07"."""

    value: date


@dataclass(frozen=True)
class Weekday:
    """A weekday's full name: "Saturday" (pl "sobota", cs "sobota")."""

    value: date


@dataclass(frozen=True)
class Phrase:
    template: str  # marked with N_ where the phrase is made
    args: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, template: str, **args: Any) -> Phrase:
        return cls(template, tuple(args.items()))

    @property
    def english(self) -> str:
        """As the JSON documents carry it (and as it read before translations existed)."""
        return self.template.format(**{k: _english(v) for k, v in self.args})

    def shown(self) -> str:
        """In the user's language, weekdays included."""
        if i18n.language() == "en":
            return self.english
        return i18n._(self.template).format(**{k: _local(v) for k, v in self.args})


def _english(value: Any) -> Any:
    if isinstance(value, Phrase):
        return value.english
    if isinstance(value, Moment):
        return value.value.strftime("%a %Y-%m-%d %H:%M")
    if isinstance(value, Day):
        return value.value.strftime("%a %Y-%m-%d")
    if isinstance(value, Weekday):
        return value.value.strftime("%A")
    return _plain(value)


def _local(value: Any) -> Any:
    if isinstance(value, Phrase):
        return value.shown()
    if isinstance(value, Moment):
        return f"{_short(value.value)} {value.value:%Y-%m-%d %H:%M}"
    if isinstance(value, Day):
        return f"{_short(value.value)} {value.value:%Y-%m-%d}"
    if isinstance(value, Weekday):
        return _weekday(value.value, "EEEE")
    return _plain(value)


def _plain(value: Any) -> Any:
    """Dates and times as ISO numbers in every language (what the tables show)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


def _weekday(day: date, pattern: str) -> str:
    return format_date(day, pattern, locale=i18n.babel_locale())


def _short(day: date) -> str:
    """Capitalised like "Mon": Czech "po" (Monday) would otherwise read as "after"."""
    name = _weekday(day, "EEE")
    return name[:1].upper() + name[1:]
