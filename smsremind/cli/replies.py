"""replies: the patients' answers fetched by `run`, with their meaning and appointments."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from smsremind.cli.app import App, json_option, out, pass_app, print_json
from smsremind.cli.root import cli
from smsremind.clock import parse_day
from smsremind.intake.phones import mask
from smsremind.replies import answers
from smsremind.replies.inbox import ASKING
from smsremind.rules.messages import Planned
from smsremind.storage.store import Store


@cli.command("replies")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Only answers received that day.")
@json_option
@pass_app
def replies_(app: App, day: str | None, as_json: bool) -> None:
    """List patients' answers: confirm, cancel, stop or unrecognised.

    \b
    Examples:
      smsremind replies
      smsremind replies --date 2026-11-27 --json
    """
    found = answers.listing(app.store, app.cfg, parse_day(day) if day else None)
    if as_json:
        print_json([answers.public(r) for r in found])
        return
    if not app.cfg.replies.enabled and not found:
        out.print("Replies are off ([replies] enabled = false); no answers stored.", highlight=False)
        return
    title = f"{len(found)} answers" + (f" received on {day}" if day else "")
    table = Table(
        "Received", "From", "Meaning", "Appointments", "Practice", "Text", title=title, title_justify="left"
    )
    for r in found:
        table.add_row(
            r["received_at"][:16].replace("T", " "),
            mask(r["from"]),
            r["meaning"],
            ", ".join(r["appointments"]) or "-",
            escape(r["practice"] or "-"),
            escape(r["text"]),
        )
    out.print(table)


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
    counts: dict[str, int] = {}
    for a in found:
        counts[a["answer"]] = counts.get(a["answer"], 0) + 1
    shown = ", ".join(
        f"{counts[k]} {k}"
        for k in (answers.CONFIRMED, answers.CANCEL_REQUESTED, answers.NO_ANSWER)
        if k in counts
    )
    out.print(f"Answers for the reminded visits until tomorrow: {shown}", highlight=False)
    for a in found:
        if a["answer"] == answers.CANCEL_REQUESTED:
            out.print(
                f"  cancel requested: {escape(a['appointment'])} at {escape(a['practice'])}, {a['start']}",
                highlight=False,
            )
