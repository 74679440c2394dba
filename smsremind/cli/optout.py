"""optout add | remove | list: numbers that must never get an SMS (SPEC §3)."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from smsremind.cli.app import App, json_option, out, pass_app, print_json
from smsremind.cli.root import cli
from smsremind.cli.words import word
from smsremind.clock import fmt_local, from_store, to_store
from smsremind.errors import NotFoundError
from smsremind.i18n import N_, _, ngettext
from smsremind.intake.phones import mask, normalise

OPTOUT_HELP = N_("""Manage the opt-out list (bare `optout` lists it).

\b
Examples:
  smsremind optout add "+48 601 234 567" --note "asked by phone"
  smsremind optout remove 601234567
  smsremind optout list --json""")


@cli.group(invoke_without_command=True, help=OPTOUT_HELP)
@click.pass_context
def optout(ctx: click.Context) -> None:
    """Manage the opt-out list (bare `optout` lists it)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(optout_list)


@optout.command("add", help=N_("Never send to PHONE again."))
@click.argument("phone")
@click.option("--note", default="", help=N_("Why (kept with the number)."))
@pass_app
def optout_add(app: App, phone: str, note: str) -> None:
    """Never send to PHONE again."""
    number = normalise(phone, app.cfg.country)
    with app.store.tx() as conn:
        conn.execute(
            "INSERT INTO optouts (phone, added_at, note) VALUES (?, ?, ?) "
            "ON CONFLICT (phone) DO UPDATE SET note = excluded.note",
            (number, to_store(app.now), note),
        )
    out.print(_("Opted out {phone}").format(phone=mask(number)), highlight=False)


@optout.command("remove", help=N_("Allow messages to PHONE again."))
@click.argument("phone")
@pass_app
def optout_remove(app: App, phone: str) -> None:
    """Allow messages to PHONE again."""
    number = normalise(phone, app.cfg.country)
    with app.store.tx() as conn:
        if not conn.execute("DELETE FROM optouts WHERE phone = ?", (number,)).rowcount:
            raise NotFoundError(_("{phone} is not on the opt-out list").format(phone=mask(number)))
    out.print(_("Removed {phone} from the opt-out list").format(phone=mask(number)), highlight=False)


@optout.command("list", help=N_("List opted-out numbers."))
@json_option
@pass_app
def optout_list(app: App, as_json: bool = False) -> None:
    """List opted-out numbers."""
    rows = app.store.query("SELECT * FROM optouts ORDER BY added_at, phone")
    tz = app.cfg.timezone
    if as_json:
        print_json(
            [
                {
                    "phone": r["phone"],
                    "added_at": fmt_local(from_store(r["added_at"], tz)),
                    "note": r["note"],
                    "source": r["source"],
                }
                for r in rows
            ]
        )
        return
    title = ngettext("{n} opted-out number", "{n} opted-out numbers", len(rows)).format(n=len(rows))
    table = Table(_("Phone"), _("Added"), _("Note"), _("Source"), title=title, title_justify="left")
    for r in rows:
        added = fmt_local(from_store(r["added_at"], tz))
        table.add_row(mask(r["phone"]), added, escape(r["note"]), word(r["source"]))
    out.print(table)
