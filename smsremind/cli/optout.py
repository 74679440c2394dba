"""optout add | remove | list: numbers that must never get an SMS (SPEC §3)."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from smsremind.cli.app import App, json_option, out, pass_app, print_json
from smsremind.cli.root import cli
from smsremind.clock import fmt_local, from_store, to_store
from smsremind.errors import NotFoundError
from smsremind.intake.phones import mask, normalise


@cli.group(invoke_without_command=True)
@click.pass_context
def optout(ctx: click.Context) -> None:
    """Manage the opt-out list (bare `optout` lists it).

    \b
    Examples:
      smsremind optout add "+48 601 234 567" --note "asked by phone"
      smsremind optout remove 601234567
      smsremind optout list --json
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(optout_list)


@optout.command("add")
@click.argument("phone")
@click.option("--note", default="", help="Why (kept with the number).")
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
    out.print(f"Opted out {mask(number)}", highlight=False)


@optout.command("remove")
@click.argument("phone")
@pass_app
def optout_remove(app: App, phone: str) -> None:
    """Allow messages to PHONE again."""
    number = normalise(phone, app.cfg.country)
    with app.store.tx() as conn:
        if not conn.execute("DELETE FROM optouts WHERE phone = ?", (number,)).rowcount:
            raise NotFoundError(f"{mask(number)} is not on the opt-out list")
    out.print(f"Removed {mask(number)} from the opt-out list", highlight=False)


@optout.command("list")
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
    table = Table(
        "Phone", "Added", "Note", "Source", title=f"{len(rows)} opted-out numbers", title_justify="left"
    )
    for r in rows:
        table.add_row(
            mask(r["phone"]), fmt_local(from_store(r["added_at"], tz)), escape(r["note"]), r["source"]
        )
    out.print(table)
