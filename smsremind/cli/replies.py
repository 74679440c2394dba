"""replies: the patients' answers fetched by `run`, with their meaning and appointments."""

from __future__ import annotations

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from smsremind.cli.app import App, json_option, out, pass_app, print_json
from smsremind.cli.root import cli
from smsremind.cli.words import counts, word
from smsremind.clock import parse_day
from smsremind.i18n import N_, _, ngettext
from smsremind.intake.phones import mask
from smsremind.replies import answers
from smsremind.replies.inbox import ASKING
from smsremind.rules.messages import Planned
from smsremind.storage.store import Store

REPLIES_HELP = N_("""List patients' answers: confirm, cancel, stop or unrecognised.

\b
Examples:
  smsremind replies
  smsremind replies --date 2026-11-27 --json""")


@cli.command("replies", help=REPLIES_HELP)
@click.option("--date", "day", metavar="YYYY-MM-DD", help=N_("Only answers received that day."))
@json_option
@pass_app
def replies_(app: App, day: str | None, as_json: bool) -> None:
    """List patients' answers."""
    found = answers.listing(app.store, app.cfg, parse_day(day) if day else None)
    if as_json:
        print_json([answers.public(r) for r in found])
        return
    if not app.cfg.replies.enabled and not found:
        out.print(_("Replies are off ([replies] enabled = false); no answers stored."), markup=False)
        return
    n = len(found)
    if day:
        title = ngettext("{n} answer received on {day}", "{n} answers received on {day}", n).format(
            n=n, day=day
        )
    else:
        title = ngettext("{n} answer", "{n} answers", n).format(n=n)
    heads = (_("Received"), _("From"), _("Meaning"), _("Appointments"), _("Practice"), _("Text"))
    # 80 columns (cron mail): the time, number and meaning stay whole; the practice is cut;
    # the patient's text wraps first
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0)
    )
    this_year = str(app.now.year)
    for n, head in enumerate(heads):
        whole, practice = n in (0, 1, 2), n == 4
        table.add_column(
            head,
            no_wrap=whole or practice,
            min_width=6 if n == 3 else 12 if n == 5 else None,
            max_width=12 if practice else None,
            overflow="ellipsis" if practice else "fold",
        )
    for r in found:
        table.add_row(
            _received(r["received_at"], this_year),
            mask(r["from"]),
            word(r["meaning"]),
            ", ".join(r["appointments"]) or "-",
            escape(r["practice"] or "-"),
            escape(r["text"]),
        )
    out.print(table)


def _received(stamp: str, this_year: str) -> str:
    """When an answer came: "11-27 20:30" this year (room for the text at 80 columns), else in full."""
    shown = stamp[:16].replace("T", " ")
    return shown[5:] if shown.startswith(this_year) else shown


def of_messages(app: App, messages: list[Planned]) -> list[dict[str, str]] | None:
    """Per message, its visits' answers (sent messages that ask for one); None with replies off."""
    if not app.cfg.replies.enabled:
        return None
    return [_of(app.store, m) if m.status == "sent" and m.kind in ASKING else {} for m in messages]


def _of(store: Store, m: Planned) -> dict[str, str]:
    return answers.for_visits(store, m.starts)


def print_upcoming(found: list[dict]) -> None:
    """`status`: the answers for the visits until tomorrow that were reminded."""
    if not found:
        return
    found_counts: dict[str, int] = {}
    for a in found:
        found_counts[a["answer"]] = found_counts.get(a["answer"], 0) + 1
    order = (answers.CONFIRMED, answers.CANCEL_REQUESTED, answers.NO_ANSWER)
    shown = counts((k, found_counts[k]) for k in order if k in found_counts)
    text = _("Answers for the reminded visits until tomorrow: {counts}").format(counts=shown)
    out.print(text, highlight=False, markup=False)
    for a in found:
        if a["answer"] == answers.CANCEL_REQUESTED:
            text = _("cancel requested: {appointment} at {practice}, {start}").format(
                appointment=a["appointment"], practice=a["practice"], start=a["start"]
            )
            out.print(f"  {text}", highlight=False, markup=False)
