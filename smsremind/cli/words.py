"""The words the command line shows for stored codes: message states, answers, ledger entries.

The database and ``--json`` keep the codes (``sent``, ``cancel requested``, ``charge``); people
read them in their language. A code this module does not know is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from babel.numbers import format_currency
from rich.markup import escape

from smsremind import i18n
from smsremind.cli.app import KIND_WORDS, STATUS_WORDS
from smsremind.i18n import N_, _, ngettext, number

# Counted: "3 sent" agrees with the number in pl/cs (three forms), so each state has its ngettext.
_COUNTED: dict[str, Callable[[int], str]] = {
    "planned": lambda n: ngettext("{n} planned", "{n} planned", n),
    "due": lambda n: ngettext("{n} due", "{n} due", n),
    "sending": lambda n: ngettext("{n} sending", "{n} sending", n),
    "sent": lambda n: ngettext("{n} sent", "{n} sent", n),
    "held": lambda n: ngettext("{n} held", "{n} held", n),
    "skipped": lambda n: ngettext("{n} skipped", "{n} skipped", n),
    "expired": lambda n: ngettext("{n} expired", "{n} expired", n),
    "failed": lambda n: ngettext("{n} failed", "{n} failed", n),
    "unknown": lambda n: ngettext("{n} unknown", "{n} unknown", n),
    # delivery reports of the gateways (status: the last 7 days)
    "delivered": lambda n: ngettext("{n} delivered", "{n} delivered", n),
    "undelivered": lambda n: ngettext("{n} undelivered", "{n} undelivered", n),
    "rejected": lambda n: ngettext("{n} rejected", "{n} rejected", n),
    "canceled": lambda n: ngettext("{n} canceled", "{n} canceled", n),
    "no report": lambda n: ngettext("{n} no report", "{n} no report", n),
    # the patients' answers (status: the reminded visits until tomorrow)
    "confirmed": lambda n: ngettext("{n} confirmed", "{n} confirmed", n),
    "cancel requested": lambda n: ngettext("{n} cancel requested", "{n} cancel requested", n),
    "no answer": lambda n: ngettext("{n} no answer", "{n} no answer", n),
}

# Codes shown alone in tables: answers and their meaning, the quota ledger, payments, templates.
WORDS = {
    **STATUS_WORDS,
    **KIND_WORDS,
    "confirmed": N_("confirmed"),
    "cancel requested": N_("cancel requested"),
    "no answer": N_("no answer"),
    "confirm": N_("confirm"),
    "cancel": N_("cancel"),
    "stop": N_("stop"),
    "unrecognised": N_("unrecognised"),
    "allowance": N_("allowance"),
    "purchase": N_("purchase"),
    "charge": N_("charge"),
    "refund": N_("refund"),
    "adjust": N_("adjust"),
    "monthly": N_("monthly"),
    "bought": N_("bought"),
    "pending": N_("pending"),
    "credited": N_("credited"),
    "scheduled": N_("scheduled"),
    "booked": N_("booked"),
    "moved": N_("moved"),
    "cancelled": N_("cancelled"),
    "restored": N_("restored"),
    "updated": N_("updated"),
    "notice": N_("notice"),
    "ok": N_("ok"),
    "partial": N_("partial"),
    "error": N_("error"),
    "running": N_("running"),
    "custom": N_("custom"),
    "default": N_("default"),
    "reply": N_("reply"),
    "manual": N_("manual"),
}


def word(code: str) -> str:
    """The word for ``code`` in the current language (the code itself if it has none)."""
    return _(WORDS[code]) if code in WORDS else code


def counted(code: str, n: int) -> str:
    """ "3 sent" in the current language; an unknown code as "3 code"."""
    form = _COUNTED.get(code)
    return form(n).format(n=n) if form else f"{n} {code}"


def counts(pairs: Iterable[tuple[str, int]]) -> str:
    """ "3 planned, 1 sent" from (code, count) pairs, in their order."""
    return ", ".join(counted(code, n) for code, n in pairs)


def counts_that_happened(pairs: Iterable[tuple[str, int]]) -> str:
    """Like :func:`counts`, leaving out the zeros ("6 sent", not "6 sent, 0 failed, …"), so a
    summary fits 80 columns; all zero: the first one ("0 sent")."""
    pairs = list(pairs)
    return counts([(code, n) for code, n in pairs if n] or pairs[:1])


def sorted_counts(found: Mapping[str, int]) -> str:
    """:func:`counts` of a dict, by code (the order the English output always had)."""
    return counts(sorted(found.items()))


def english(singular: str, plural: str, n: int) -> str:
    """``ngettext`` without a catalog: for log lines, which stay English."""
    return singular if n == 1 else plural


def parts(n: int) -> str:
    """SMS parts, counted: "1 part", "5 parts" (pl "5 części", cs "5 částí")."""
    return ngettext("{n} part", "{n} parts", n).format(n=number(n))


def styled(style: str, text: str) -> str:
    """``text`` (plain, escaped here) in a rich ``style``: "[bold red]Sending stopped:[/]"."""
    return f"[{style}]{escape(text)}[/]"


def price(amount: Decimal | str | float, currency: str) -> str:
    """A price as the language writes its digits, the currency after it: "29.00 PLN" (en),
    "29,00 zł" (pl), "29,00 PLN" (cs). Babel's own English pattern ("PLN29.00") reads badly."""
    return format_currency(Decimal(str(amount)), currency, format="#,##0.00 ¤", locale=i18n.babel_locale())
