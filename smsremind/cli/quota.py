"""quota [show] | history | forecast | payments | buy (SPEC §7)."""

from __future__ import annotations

import sys
import time
import webbrowser
from typing import TYPE_CHECKING

import click
from rich.table import Table

from smsremind.cli.app import App, err, json_option, out, pass_app, print_json
from smsremind.cli.root import cli
from smsremind.clock import fmt_local, from_store
from smsremind.errors import MailError
from smsremind.money import alerts, forecast, quota
from smsremind.money.payments import purchase

if TYPE_CHECKING:
    from smsremind.money.payments.przelewy24 import Przelewy24


@cli.group(invoke_without_command=True)
@json_option
@click.pass_context
def quota_group(ctx: click.Context, as_json: bool) -> None:
    """The SMS quota: balance, ledger, forecast, purchases (bare `quota` shows the balance).

    \b
    Examples:
      smsremind quota
      smsremind quota --json
      smsremind quota buy 500
      smsremind quota history
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(quota_show, as_json=as_json)


quota_group.name = "quota"


@quota_group.command("show")
@json_option
@pass_app
def quota_show(app: App, as_json: bool = False) -> None:
    """Monthly parts left of the allowance, bought parts left, total, next reset."""
    b = quota.current(app.store, app.cfg, app.now)
    if as_json:
        print_json(b.as_json())
        return
    table = Table(show_header=False, title=f"SMS quota ({b.month})", title_justify="left")
    table.add_row("Monthly", f"{b.monthly_left} / {b.allowance}")
    table.add_row("Bought", str(b.bought_left))
    table.add_row("Total", f"[bold]{b.total}[/]")
    table.add_row("Used this month", str(b.used_this_month))
    table.add_row("Monthly allowance renews", b.resets_on.isoformat())
    out.print(table)


@quota_group.command("history")
@click.option("--limit", type=int, default=50, show_default=True, help="Newest entries to show.")
@json_option
@pass_app
def quota_history(app: App, limit: int, as_json: bool) -> None:
    """The ledger: allowances, purchases, charges and refunds, newest first."""
    with app.store.tx() as conn:  # this month's allowance belongs in the ledger before anything is sent
        quota.ensure_month(conn, app.cfg, app.now)
    rows = quota.history(app.store, limit)
    tz = app.cfg.timezone
    if as_json:
        print_json(
            [
                {
                    "at": fmt_local(from_store(r["at"], tz)),
                    "month": r["month"],
                    "kind": r["kind"],
                    "pool": r["pool"],
                    "parts": r["parts"],
                    "message": r["message"],
                    "payment": r["payment"],
                    "note": r["note"],
                }
                for r in rows
            ]
        )
        return
    table = Table("When", "Kind", "Pool", "Parts", "Note", title="Quota ledger", title_justify="left")
    for r in rows:
        table.add_row(
            fmt_local(from_store(r["at"], tz)),
            r["kind"],
            r["pool"],
            f"{r['parts']:+d}",
            r["note"] or (f"message {r['message']}" if r["message"] else ""),
        )
    out.print(table)


@quota_group.command("forecast")
@click.option("--days", type=click.IntRange(1, 92), default=31, show_default=True)
@json_option
@pass_app
def quota_forecast(app: App, days: int, as_json: bool) -> None:
    """When the balance runs out with the messages planned, and which pack covers the month."""
    f = forecast.forecast(app.store, app.cfg, app.now, days)
    if as_json:
        print_json(f.as_json())
        return
    planned = sum(p for _, _, p in f.days)
    out.print(f"Balance {f.total} parts; {planned} parts planned in the next {days} days.", highlight=False)
    if f.runs_out_on:
        out.print(f"[bold red]The balance runs out on {f.runs_out_on}.[/]", highlight=False)
    else:
        out.print(f"The balance lasts the next {days} days.", highlight=False)
    if f.pack:
        out.print(
            f"This month needs {f.needed_this_month} more parts: `smsremind quota buy {f.pack}` covers it.",
            highlight=False,
        )


@quota_group.command("payments")
@json_option
@pass_app
def quota_payments(app: App, as_json: bool) -> None:
    """Purchases with their payment ids and states."""
    rows = app.store.query("SELECT * FROM payments ORDER BY id DESC")
    tz = app.cfg.timezone
    docs = [
        {
            "id": r["session_id"],
            "pack": r["pack"],
            "price": r["price"],
            "currency": r["currency"],
            "state": r["state"],
            "order_id": r["order_id"],
            "invoice": r["invoice_number"],
            "created_at": fmt_local(from_store(r["created_at"], tz)),
            "error": r["error"],
            "link": r["link"],
        }
        for r in rows
    ]
    if as_json:
        print_json(docs)
        return
    table = Table(
        "Payment id",
        "Pack",
        "Price",
        "State",
        "P24 order",
        "Invoice",
        "Created",
        title="Purchases",
        title_justify="left",
    )
    for d in docs:
        state = d["state"] + (f" ({d['error']})" if d["error"] else "")
        table.add_row(
            d["id"],
            str(d["pack"]),
            f"{d['price']} {d['currency']}",
            state,
            str(d["order_id"] or ""),
            d["invoice"] or "",
            d["created_at"],
        )
    out.print(table)


@quota_group.command("buy")
@click.argument("pack", type=click.Choice(["100", "500", "1000"]))
@click.option(
    "--wait",
    type=click.IntRange(0, 24 * 3600),
    default=600,
    show_default=True,
    help="Seconds to wait for the payment before leaving it to later runs.",
)
@click.option("--no-browser", is_flag=True, help="Only print the payment link.")
@click.option("--poll", type=click.FloatRange(0.01, 60), default=3.0, hidden=True)
@pass_app
def quota_buy(app: App, pack: str, wait: int, no_browser: bool, poll: float) -> None:
    """Buy a pack of 100, 500 or 1000 parts through Przelewy24.

    \b
    Example:
      smsremind quota buy 500
    """
    from smsremind.money.payments.przelewy24 import Przelewy24  # requests: loaded by the commands that pay

    client = Przelewy24(app.cfg.payments)
    p = purchase.start(app.store, app.cfg, client, int(pack), app.now)
    claim = purchase.new_claim()
    out.print(f"Payment {p['session_id']}: {p['pack']} SMS for {p['price']} {p['currency']}", highlight=False)
    out.print(f"Pay here: {p['link']}", highlight=False, soft_wrap=True)
    if not no_browser and sys.stdout.isatty():
        webbrowser.open(p["link"])
    state = _wait(app, client, p["id"], wait, poll, claim)
    if state == "credited":
        _credited(app, p["id"], claim)
    elif state in ("failed", "expired"):
        row = purchase.get(app.store, p["id"])
        err.print(f"payment {p['session_id']} {state}: {row['error']}", highlight=False)
    else:
        out.print(
            f"Not paid yet. Payment id {p['session_id']} stays pending: every `smsremind run` checks it "
            f"for {app.cfg.payments.pending_hours} h (then hourly for {purchase.LATE_DAYS} days); "
            "`smsremind quota payments` shows its state.",
            highlight=False,
        )


def _wait(app: App, client: Przelewy24, payment_id: int, wait: int, poll: float, claim: str) -> str:
    deadline = time.monotonic() + wait
    state = "pending"
    try:
        with err.status("Waiting for the payment (Ctrl-C leaves it to later runs)…"):
            while True:
                state = purchase.settle(app.store, app.cfg, client, payment_id, app.now, claim)
                if state != "pending" or time.monotonic() >= deadline:
                    return state
                time.sleep(poll)
    except KeyboardInterrupt:
        return "pending"


def _credited(app: App, payment_id: int, claim: str) -> None:
    row = purchase.get(app.store, payment_id)
    out.print(f"Paid: {row['pack']} SMS credited (P24 order {row['order_id']}).", highlight=False)
    try:
        where = purchase.mail_invoice(app.store, app.cfg, payment_id, app.now, claim)
        if where is None:
            out.print(
                f"Invoice {row['invoice_number']} is mailed by the process that credited the pack.",
                highlight=False,
            )
        else:
            out.print(
                f"Invoice {row['invoice_number']} sent to {app.cfg.email.admin} ({where}).", highlight=False
            )
    except MailError as exc:
        err.print(f"warning: {exc}; the next `smsremind run` sends the invoice again", highlight=False)
    alerts.check(app.store, app.cfg, app.now)  # a top-up re-arms the low-balance alerts
    b = quota.current(app.store, app.cfg, app.now)
    out.print(
        f"Balance: {b.total} parts ({b.monthly_left} monthly + {b.bought_left} bought).", highlight=False
    )
