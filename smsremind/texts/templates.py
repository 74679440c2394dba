"""Message texts: built-in defaults, safe rendering, localised dates (SPEC §6).

Rendering substitutes the names in :data:`PLACEHOLDERS` and nothing else:
``str.format`` would allow ``{patient.__class__}``, ``{patient[0]}`` and
format specs, so templates are parsed with ``string.Formatter.parse`` only
to split literals from fields, every field is checked against the allowed
names, and the text is assembled by concatenation.

Defaults are worded so that the weekday stands in the nominative after a
colon or in parentheses: Polish "na środę" and Czech "ve středu" inflect,
"środa"/"středa" in a list never need to.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date

from smsremind.clock import to_store
from smsremind.errors import InvalidInputError
from smsremind.i18n import _
from smsremind.storage.store import Store

KINDS = ("reminder", "confirmation", "reschedule", "cancellation")
LANGUAGES = ("pl", "cs", "en")
PLACEHOLDERS = (
    "patient",
    "first_name",
    "date",
    "time",
    "weekday",
    "practice",
    "doctor",
    "practice_phone",
    "count",
    "reply_hint",
)

# {reply_hint}: how to answer, filled only with `[replies] enabled` (else empty, and the
# space before it goes too), so the same default works with replies on or off.
REPLY_HINTS = {
    "pl": "Odpisz TAK, aby potwierdzić, lub NIE, aby odwołać.",
    "cs": "Odpovězte ANO pro potvrzení, nebo NE pro zrušení.",
    "en": "Reply YES to confirm or NO to cancel.",
}

DEFAULTS: dict[tuple[str, str], str] = {
    ("reminder", "pl"): "{practice} przypomina o wizycie: {weekday}, {date}, godz. {time}. {reply_hint}",
    ("confirmation", "pl"): "{practice} potwierdza wizytę: {weekday}, {date}, godz. {time}.",
    (
        "reschedule",
        "pl",
    ): "{practice}: termin wizyty zmieniony. Nowy termin: {weekday}, {date}, godz. {time}.",
    ("cancellation", "pl"): "{practice}: odwołano wizytę ({weekday}, {date}, godz. {time}).",
    ("reminder", "cs"): "{practice} připomíná termín návštěvy: {weekday} {date} v {time}. {reply_hint}",
    ("confirmation", "cs"): "{practice} potvrzuje termín návštěvy: {weekday} {date} v {time}.",
    (
        "reschedule",
        "cs",
    ): "{practice}: termín návštěvy byl změněn. Nový termín: {weekday} {date} v {time}.",
    ("cancellation", "cs"): "{practice}: návštěva ({weekday} {date} v {time}) byla zrušena.",
    ("reminder", "en"): (
        "{practice}: reminder of your appointment on {weekday}, {date} at {time}. {reply_hint}"
    ),
    (
        "confirmation",
        "en",
    ): "{practice}: your appointment on {weekday}, {date} at {time} is confirmed.",
    (
        "reschedule",
        "en",
    ): "{practice}: your appointment has been moved to {weekday}, {date} at {time}.",
    (
        "cancellation",
        "en",
    ): "{practice}: your appointment on {weekday}, {date} at {time} is cancelled.",
}

# Date formats per language: pl "03.12.2026" (CLDR short is "3.12.2026"; the zero-padded
# form is what Polish practices print), cs CLDR medium "3. 12. 2026", en "3 Dec 2026".
_DATE_FORMAT = {"pl": ("dd.MM.yyyy", "pl"), "cs": ("medium", "cs"), "en": ("medium", "en_GB")}


class TemplateError(InvalidInputError):
    """A template text that cannot be used; the message lists the allowed names."""


def allowed() -> str:
    return ", ".join("{" + p + "}" for p in PLACEHOLDERS)


def parse(text: str) -> list[tuple[str, str | None]]:
    """Split into (literal, placeholder-or-None) pieces, rejecting anything but plain names."""
    if not text.strip():
        raise TemplateError(_("the text is empty; allowed placeholders: {allowed}").format(allowed=allowed()))
    try:
        pieces = list(string.Formatter().parse(text))
    except ValueError as exc:
        text = _("{error} (write {open} and {close} for literal braces); allowed placeholders: {allowed}")
        raise TemplateError(text.format(error=exc, open="{{", close="}}", allowed=allowed())) from None
    out: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in pieces:
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            text = _("{shown} is not allowed; allowed placeholders: {allowed}")
            raise TemplateError(text.format(shown=shown, allowed=allowed()))
        out.append((literal, name))
    return out


def render(text: str, values: dict[str, str]) -> str:
    out = "".join(literal + (values[name] if name else "") for literal, name in parse(text))
    return out.rstrip(" ") if not values.get("reply_hint") else out


def default_text(kind: str, language: str) -> str:
    return DEFAULTS[(kind, language)]


def localised_date(moment: datetime, language: str) -> str:
    fmt, locale = _DATE_FORMAT[language]
    return format_date(moment.date(), fmt, locale=locale)


def localised_weekday(moment: datetime, language: str) -> str:
    return format_date(moment.date(), "EEEE", locale=_DATE_FORMAT[language][1])


@dataclass(frozen=True)
class Subject:
    """What a message talks about: the (earliest) visit it names and how many it covers."""

    start: datetime  # aware local time of the visit
    patient: str
    practice: str
    doctor: str
    practice_phone: str
    count: int = 1
    reply_hint: bool = False  # replies are enabled: tell the patient how to answer


def values(subject: Subject, language: str) -> dict[str, str]:
    first = subject.patient.split()[0] if subject.patient.split() else ""
    return {
        "patient": subject.patient,
        "first_name": first,
        "date": localised_date(subject.start, language),
        "time": subject.start.strftime("%H:%M"),
        "weekday": localised_weekday(subject.start, language),
        "practice": subject.practice,
        "doctor": subject.doctor,
        "practice_phone": subject.practice_phone,
        "count": str(subject.count),
        "reply_hint": REPLY_HINTS[language] if subject.reply_hint else "",
    }


class Texts:
    """The texts in force: the practice's own from the store, else the defaults."""

    def __init__(self, store: Store):
        self.store = store
        self.custom = {(r["kind"], r["language"]): r["text"] for r in store.query("SELECT * FROM templates")}

    def __call__(self, kind: str, language: str) -> str:
        return self.custom.get((kind, language)) or DEFAULTS[(kind, language)]

    def is_custom(self, kind: str, language: str) -> bool:
        return (kind, language) in self.custom

    def set(self, kind: str, language: str, text: str, now: datetime) -> None:
        check_kind(kind, language)
        parse(text)
        with self.store.tx() as conn:
            conn.execute(
                "INSERT INTO templates (kind, language, text, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, language) DO UPDATE SET text = excluded.text, "
                "updated_at = excluded.updated_at",
                (kind, language, text, to_store(now)),
            )
        self.custom[(kind, language)] = text

    def reset(self, kind: str, language: str) -> bool:
        """Back to the default; False if it already was the default."""
        check_kind(kind, language)
        with self.store.tx() as conn:
            gone = conn.execute(
                "DELETE FROM templates WHERE kind = ? AND language = ?", (kind, language)
            ).rowcount
        self.custom.pop((kind, language), None)
        return bool(gone)


def check_kind(kind: str, language: str) -> None:
    if kind not in KINDS:
        text = _("unknown kind {kind}; kinds: {kinds}")
        raise InvalidInputError(text.format(kind=repr(kind), kinds=", ".join(KINDS)))
    if language not in LANGUAGES:
        text = _("unknown language {language}; languages: {languages}")
        raise InvalidInputError(text.format(language=repr(language), languages=", ".join(LANGUAGES)))
