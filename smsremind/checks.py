"""Config value checkers: a raw TOML value -> a typed value, or ValueError saying what is wrong.

Each checker is attached to its key in :mod:`smsremind.config` (field
metadata); the loader adds the file and the key to the message.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from smsremind import clock
from smsremind.i18n import N_, _

# The columns an import file can carry: the keys of [import.columns] and --map.
# ``date`` + ``time``: a start split over two columns (``date`` alone is the same as ``start``).
COLUMNS = (
    "id", "start", "phone", "patient", "practice", "doctor", "status", "language", "booked_at",
    "date", "time",
)  # fmt: skip


def suggest(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return _(" (did you mean {name}?)").format(name=repr(close[0])) if close else ""


def boolean(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError(_("must be true or false"))
    return v


def string(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError(_("must be a string in quotes"))
    return v


def whole(lo: int, hi: int) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ValueError(_("must be a whole number from {low} to {high}").format(low=lo, high=hi))
        return v

    return check


def number(lo: float, hi: float) -> Callable[[Any], float]:
    def check(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
            raise ValueError(_("must be a number from {low} to {high}").format(low=f"{lo:g}", high=f"{hi:g}"))
        return float(v)

    return check


def sender_id(v: Any) -> str:
    """SMSbrána's id of an authorised sender number (a number from its admin), "" for none."""
    if isinstance(v, bool):
        raise ValueError(
            _(
                "is the id of an authorised sender number in the SMSbrána admin (a number such as 1234), "
                'not true/false; "" sends from the account\'s default number'
            )
        )
    text = str(v).strip() if isinstance(v, int | str) else None
    if text is None or (text and not (text.isascii() and text.isdigit() and int(text) > 0)):
        raise ValueError(
            _(
                "must be the id of an authorised sender number shown in the SMSbrána admin "
                '(a whole number such as 1234), or "" for the account\'s default number'
            )
        )
    return text


def choice(*options: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v not in options:
            raise ValueError(
                _("must be one of {options}").format(options=", ".join(f'"{o}"' for o in options))
            )
        return str(v)

    return check


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def hhmm(v: Any) -> time:
    m = _HHMM.match(v) if isinstance(v, str) else None
    if not m:
        raise ValueError(_('must be a clock time "HH:MM" from "00:00" to "23:59"'))
    return time(int(m[1]), int(m[2]))


def window(v: Any) -> tuple[time, time]:
    if not isinstance(v, list) or len(v) != 2:
        raise ValueError(_('must be two clock times, e.g. ["09:00", "20:00"]'))
    start, end = hhmm(v[0]), hhmm(v[1])
    if start >= end:
        raise ValueError(_("the window must start before it ends"))
    return start, end


def zone(v: Any) -> ZoneInfo:
    return clock.zone(string(v))


def country(v: Any) -> str:
    code = string(v).upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(_('must be a two-letter country code such as "PL" or "CZ"'))
    return code


def holidays(v: Any) -> str:
    code = string(v).upper()
    if code:
        import holidays as tables  # imported here: loading it takes a moment

        if code not in tables.list_supported_countries():
            raise ValueError(_('must be "" or a country code such as "PL" or "CZ"'))
    return code


def alerts(v: Any) -> tuple[int, ...]:
    if not isinstance(v, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v
    ):
        raise ValueError(_("must be a list of whole numbers >= 0, e.g. [50, 30, 0]"))
    return tuple(sorted(set(v), reverse=True))


def columns(v: Any) -> dict[str, str]:
    if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
        raise ValueError(_('must map our column names to yours, e.g. start = "Termin"'))
    for key in v:
        if key not in COLUMNS:
            raise ValueError(
                _("unknown column {name}{suggestion}").format(
                    name=repr(key), suggestion=suggest(key, COLUMNS)
                )
            )
    return dict(v)


def status_words(v: Any) -> dict[str, list[str]]:
    """``[import.status]``: a practice's own words for scheduled / cancelled visits."""
    if not isinstance(v, dict) or not all(
        isinstance(x, list) and all(isinstance(w, str) and w.strip() for w in x) for x in v.values()
    ):
        raise ValueError(
            _('must map scheduled/cancelled to lists of words, e.g. cancelled = ["nie przyszedł"]')
        )
    for key in v:
        if key not in ("scheduled", "cancelled"):
            raise ValueError(_("unknown status {name}: only scheduled and cancelled").format(name=repr(key)))
    both = {w.strip().casefold() for w in v.get("scheduled", [])} & {
        w.strip().casefold() for w in v.get("cancelled", [])
    }
    if both:
        raise ValueError(
            _("{word} cannot mean both scheduled and cancelled").format(word=repr(sorted(both)[0]))
        )
    return {k: list(x) for k, x in v.items()}


def decimal(v: Any) -> Decimal:
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise ValueError(_(_DECIMAL))
    try:
        value = Decimal(str(v))
    except InvalidOperation:
        raise ValueError(_(_DECIMAL)) from None
    if not value.is_finite() or value < 0:
        raise ValueError(_("must be a number >= 0"))
    return value


_DECIMAL = N_('must be a decimal number in quotes, e.g. "129.00"')


def packs(v: Any) -> dict[int, Decimal]:
    if not isinstance(v, dict) or not v:
        raise ValueError(_('must map pack sizes to prices, e.g. "100" = "29.00"'))
    packs = {}
    for size, price in v.items():
        if size not in ("100", "500", "1000"):
            raise ValueError(_("unknown pack {size}; packs are 100, 500 and 1000").format(size=repr(size)))
        packs[int(size)] = decimal(price)
    return dict(sorted(packs.items()))


SERIES_FIELDS = ("account", "year", "n")


def invoice_series(v: Any) -> str:
    """An invoice number pattern: {n} (the sequence number) once, {account} and {year} at will."""
    text = string(v)
    fields = re.findall(r"\{([^{}]*)\}", text)
    unknown = [f for f in fields if f not in SERIES_FIELDS]
    if unknown:
        text = _("unknown field {field}; use {account}, {year} and {n}")
        raise ValueError(text.format(field=f"{{{unknown[0]}}}", account="{account}", year="{year}", n="{n}"))
    rest = re.sub(r"\{[^{}]*\}", "", text)
    if fields.count("n") != 1 or "{" in rest or "}" in rest:
        text = _('must contain {n} once, e.g. "{example}"')
        raise ValueError(text.format(n="{n}", example="SMS/{account}/{year}/{n}"))
    return text


def account_code(v: Any) -> str:
    """The code of this installation in the seller's invoice series: letters, digits, '-', '_'."""
    text = string(v)
    if text and not re.fullmatch(r"[A-Za-z0-9_-]{1,20}", text):
        raise ValueError(_("must be 1-20 letters, digits, '-' or '_', e.g. \"USMIECH\""))
    return text


def words(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise ValueError(_('must be a list of words or phrases in quotes, e.g. ["JASNE", "PRZYJDĘ"]'))
    return tuple(x.strip() for x in v)


def url(v: Any) -> str:
    """ "" or an http(s) URL (a push-monitoring address)."""
    text = string(v).strip()
    if text and not (text.startswith(("http://", "https://")) and len(text) > len("https://")):
        raise ValueError(_('must be an http:// or https:// address, or "" for none'))
    return text
