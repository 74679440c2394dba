"""quota [show] | history | forecast | payments | buy (SPEC §7)."""

from __future__ import annotations

import sys
import time
import webbrowser
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.table import Table

from smsremind.cli.app import App, err, json_option, out, pass_app, print_json
from smsremind.cli.root import cli
from smsremind.cli.words import parts, price, styled, word
from smsremind.clock import fmt_local, from_store
from smsremind.errors import MailError
from smsremind.i18n import N_, _, ngettext, number
from smsremind.money import alerts, forecast, quota
from smsremind.money.payments import purchase

if TYPE_CHECKING:
    from smsremind.money.payments.przelewy24 import Przelewy24


QUOTA_HELP = N_("""The SMS quota: balance, ledger, forecast, purchases (bare `quota` shows the balance).

\b
Examples:
  smsremind quota
  smsremind quota --json
  smsremind quota buy 500
  smsremind quota history""")


@cli.group(invoke_without_command=True, help=QUOTA_HELP)
@json_option
@click.pass_context
def quota_group(ctx: click.Context, as_json: bool) -> None:
    """The SMS quota (bare `quota` shows the balance)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(quota_show, as_json=as_json)


quota_group.name = "quota"


@quota_group.command(
    "show", help=N_("Monthly parts left of the allowance, bought parts left, total, next reset.")
)
@json_option
@pass_app
def quota_show(app: App, as_json: bool = False) -> None:
    """The balance."""
    b = quota.current(app.store, app.cfg, app.now)
    if as_json:
        print_json(b.as_json())
        return
    title = _("SMS quota ({month})").format(month=b.month)
    table = Table(show_header=False, title=title, title_justify="left")
    table.add_row(_("Monthly"), f"{number(b.monthly_left)} / {number(b.allowance)}")
    table.add_row(_("Bought"), number(b.bought_left))
    table.add_row(_("Total"), f"[bold]{number(b.total)}[/]")
    table.add_row(_("Used this month"), number(b.used_this_month))
    table.add_row(_("Monthly allowance renews"), b.resets_on.isoformat())
    out.print(table)


@quota_group.command(
    "history", help=N_("The ledger: allowances, purchases, charges and refunds, newest first.")
)
@click.option("--limit", type=int, default=50, show_default=True, help=N_("Newest entries to show."))
@json_option
@pass_app
def quota_history(app: App, limit: int, as_json: bool) -> None:
    """The ledger, newest first."""
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
    heads = (_("When"), _("Kind"), _("Pool"), _("Parts"), _("Note"))
    table = Table(*heads, title=_("Quota ledger"), title_justify="left")
    for r in rows:
        parts = r["parts"]
        table.add_row(
            fmt_local(from_store(r["at"], tz)),
            word(r["kind"]),
            word(r["pool"]),
            ("+" if parts > 0 else "") + number(parts),
            r["note"] or (_("message {id}").format(id=r["message"]) if r["message"] else ""),
        )
    out.print(table)


@quota_group.command(
    "forecast",
    help=N_("When the balance runs out with the messages planned, and which pack covers the month."),
)
@click.option(
    "--days", type=click.IntRange(1, 92), default=31, show_default=True, help=N_("Days to look ahead.")
)
@json_option
@pass_app
def quota_forecast(app: App, days: int, as_json: bool) -> None:
    """When the balance runs out."""
    f = forecast.forecast(app.store, app.cfg, app.now, days)
    if as_json:
        print_json(f.as_json())
        return
    planned = sum(p for _day, _messages, p in f.days)
    balance = _("Balance {total}; {planned} planned in the next {days}.").format(
        total=parts(f.total),
        planned=parts(planned),
        days=ngettext("{n} day", "{n} days", days).format(n=days),
    )
    out.print(balance, highlight=False)
    if f.runs_out_on:
        text = _("The balance runs out on {day}.").format(day=f.runs_out_on)
        out.print(styled("bold red", text), highlight=False)
    else:
        text = ngettext("The balance lasts the next {n} day.", "The balance lasts the next {n} days.", days)
        out.print(text.format(n=days), highlight=False)
    if f.pack:
        text = ngettext(
            "This month needs {n} more part: `smsremind quota buy {pack}` covers it.",
            "This month needs {n} more parts: `smsremind quota buy {pack}` covers it.",
            f.needed_this_month,
        )
        out.print(text.format(n=number(f.needed_this_month), pack=f.pack), highlight=False)


@quota_group.command("payments", help=N_("Purchases with their payment ids and states."))
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
    heads = (_("Payment id"), _("Pack"), _("Price"), _("State"), _("P24 order"), _("Invoice"), _("Created"))
    table = Table(*heads, title=_("Purchases"), title_justify="left")
    for d in docs:
        state = word(d["state"]) + (f" ({d['error']})" if d["error"] else "")
        table.add_row(
            d["id"],
            number(d["pack"]),
            price(d["price"], d["currency"]),
            state,
            str(d["order_id"] or ""),
            d["invoice"] or "",
            d["created_at"],
        )
    out.print(table)


BUY_HELP = N_("""Buy a pack of 100, 500 or 1000 parts through Przelewy24.

\b
Example:
  smsremind quota buy 500""")


@quota_group.command("buy", help=BUY_HELP)
@click.argument("pack", type=click.Choice(["100", "500", "1000"]))
@click.option(
    "--wait",
    type=click.IntRange(0, 24 * 3600),
    default=600,
    show_default=True,
    help=N_("Seconds to wait for the payment before leaving it to later runs."),
)
@click.option("--no-browser", is_flag=True, help=N_("Only print the payment link."))
@click.option("--poll", type=click.FloatRange(0.01, 60), default=3.0, hidden=True)
@pass_app
def quota_buy(app: App, pack: str, wait: int, no_browser: bool, poll: float) -> None:
    """Buy a pack of parts through Przelewy24."""
    from smsremind.money.payments.przelewy24 import Przelewy24  # requests: loaded by the commands that pay

    client = Przelewy24(app.cfg.payments)
    p = purchase.start(app.store, app.cfg, client, int(pack), app.now)
    claim = purchase.new_claim()
    text = _("Payment {id}: {pack} SMS for {price}").format(
        id=p["session_id"], pack=number(p["pack"]), price=price(p["price"], p["currency"])
    )
    out.print(text, highlight=False)
    out.print(_("Pay here: {link}").format(link=p["link"]), highlight=False, soft_wrap=True)
    if not no_browser and sys.stdout.isatty():
        webbrowser.open(p["link"])
    state = _wait(app, client, p["id"], wait, poll, claim)
    if state == "credited":
        _credited(app, p["id"], claim)
    elif state in ("failed", "expired"):
        row = purchase.get(app.store, p["id"])
        text = _("payment {id} {state}: {error}").format(
            id=p["session_id"], state=word(state), error=row["error"]
        )
        err.print(text, highlight=False)
    else:
        text = _(
            "Not paid yet. Payment id {id} stays pending: every `smsremind run` checks it "
            "for {hours} h (then hourly for {days} days); `smsremind quota payments` shows its state."
        )
        line = text.format(id=p["session_id"], hours=app.cfg.payments.pending_hours, days=purchase.LATE_DAYS)
        out.print(line, highlight=False)


def _wait(app: App, client: Przelewy24, payment_id: int, wait: int, poll: float, claim: str) -> str:
    deadline = time.monotonic() + wait
    state = "pending"
    try:
        with err.status(_("Waiting for the payment (Ctrl-C leaves it to later runs)…")):
            while True:
                state = purchase.settle(app.store, app.cfg, client, payment_id, app.now, claim)
                if state != "pending" or time.monotonic() >= deadline:
                    return state
                time.sleep(poll)
    except KeyboardInterrupt:
        return "pending"


def _credited(app: App, payment_id: int, claim: str) -> None:
    row = purchase.get(app.store, payment_id)
    text = _("Paid: {pack} SMS credited (P24 order {order}).")
    out.print(text.format(pack=number(row["pack"]), order=row["order_id"]), highlight=False)
    invoice = row["invoice_number"]
    try:
        where = purchase.mail_invoice(app.store, app.cfg, payment_id, app.now, claim)
        if where is None:
            text = _("Invoice {invoice} is mailed by the process that credited the pack.")
            out.print(text.format(invoice=invoice), highlight=False)
        else:
            text = _("Invoice {invoice} sent to {address} ({where}).")
            out.print(text.format(invoice=invoice, address=app.cfg.email.admin, where=where), highlight=False)
    except MailError as exc:
        text = _("warning: {error}; the next `smsremind run` sends the invoice again").format(error=exc)
        err.print(escape(text), highlight=False)
    alerts.check(app.store, app.cfg, app.now)  # a top-up re-arms the low-balance alerts
    b = quota.current(app.store, app.cfg, app.now)
    text = _("Balance: {total} ({monthly} monthly + {bought} bought).").format(
        total=parts(b.total), monthly=number(b.monthly_left), bought=number(b.bought_left)
    )
    out.print(text, highlight=False)
