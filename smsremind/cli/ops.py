"""The operator's commands: status (and --check for monitoring), purge, backup."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from rich.markup import escape

from smsremind.cli.app import (
    App,
    exit_with,
    json_option,
    mask_numbers,
    out,
    pass_app,
    print_json,
    print_messages,
)
from smsremind.cli.replies import print_upcoming
from smsremind.cli.root import cli
from smsremind.cli.words import counts_that_happened, parts, sorted_counts, styled, word
from smsremind.clock import parse_day
from smsremind.i18n import N_, _, ngettext, number
from smsremind.replies import answers
from smsremind.rules import planner
from smsremind.sending import status as status_mod
from smsremind.sending.report import COUNTS
from smsremind.storage import backup, purge

log = logging.getLogger("smsremind.cli")


# `status` summarises: counts per state, then the first few messages of each list.
_STATUS_PLANNED_SHOWN = 10
_STATUS_ATTENTION_SHOWN = 20


STATUS_HELP = N_("""Last run, cron health, today's plan, and messages that need a look.

With --check: one line, exit 0 when healthy, else 4 (cron stalled inside
the sending window), 5 (the last run ended in error), 6 (messages failed
or unknown today) or 7 (messages held for quota), the most urgent first.

\b
Examples:
  smsremind status
  smsremind status --check     # for Nagios, Zabbix, monit: exit code and one line""")


@cli.command(help=STATUS_HELP)
@click.option("--check", is_flag=True, help=N_("One line and an exit code for a monitoring system."))
@json_option
@pass_app
def status(app: App, check: bool, as_json: bool) -> None:
    """Last run, cron health, today's plan, and messages that need a look."""
    # Texts are rendered only for the messages shown (all of them with --json).
    ctx = planner.PlanContext.build(app.store, app.cfg, app.now, lazy_texts=not as_json)
    if check:
        code, line = status_mod.check(app.store, ctx)
        if code or not app.quiet:
            click.echo(mask_numbers(line))  # one line, never wrapped: monitors read it whole
        exit_with(code)
        return
    doc = status_mod.status(app.store, ctx, people=not as_json)
    if app.cfg.replies.enabled:
        doc["answers"] = answers.upcoming(app.store, app.cfg, app.now)
    if as_json:
        doc["planned_today"] = [m.as_json() for m in doc["planned_today"]]
        doc["attention"] = [m.as_json() | {"status": m.status} for m in doc["attention"]]
        print_json(doc)
        return
    _print_status(doc)


def _print_status(doc: dict) -> None:
    last = doc["last_run"]
    if doc["held"]["messages"]:
        held = doc["held"]
        text = ngettext(
            "{n} message ({parts}) held for quota; buy a pack: smsremind quota buy 100|500|1000",
            "{n} messages ({parts}) held for quota; buy a pack: smsremind quota buy 100|500|1000",
            held["messages"],
        ).format(n=held["messages"], parts=parts(held["parts"]))
        out.print(
            styled("bold red", _("Sending stopped:")) + " " + escape(text), highlight=False, soft_wrap=True
        )
    if not doc["enabled"]:
        setting = "(enabled = false)"  # the config line, as written in every language
        out.print(styled("yellow", _("Sending is disabled")) + " " + setting)
    if last:
        text = _("Last run: {at}, {outcome} ({counts})").format(
            at=last["at"],
            outcome=word(last["outcome"]),
            counts=counts_that_happened((k, last[k]) for k in COUNTS),
        )
        out.print(
            escape(text + (f": {last['error']}" if last["error"] else "")), highlight=False, soft_wrap=True
        )
    if doc["warning"]:
        out.print(
            styled("bold red", _("warning") + ":") + " " + escape(doc["warning"]),
            highlight=False,
            soft_wrap=True,
        )
    q = doc["quota"]
    text = _("Quota: {total} left ({monthly} of {allowance} monthly, {bought} bought)").format(
        total=parts(q["total"]),
        monthly=number(q["monthly_left"]),
        allowance=number(q["monthly_allowance"]),
        bought=number(q["bought_left"]),
    )
    out.print(text, highlight=False, soft_wrap=True)
    delivered = doc["deliveries"]["counts"]
    if set(delivered) - {"no report"}:
        text = _("Delivery reports (7 days): {counts}").format(counts=sorted_counts(delivered))
        out.print(text, highlight=False, soft_wrap=True)
    if doc["pending_purchases"]:
        text = _("Purchases waiting for payment: {ids}").format(ids=", ".join(doc["pending_purchases"]))
        out.print(text, highlight=False, soft_wrap=True)
    today = sorted_counts(doc["today"]) or _("nothing")
    out.print(
        _("Today ({day}): {counts}").format(day=doc["now"][:10], counts=today),
        highlight=False,
        soft_wrap=True,
    )
    if doc["planned_today"]:
        title = _("Still planned today")
        print_messages(doc["planned_today"], title, texts=False, limit=_STATUS_PLANNED_SHOWN)
    if doc["attention"]:
        states: dict[str, int] = {}
        for m in doc["attention"]:
            states[m.status] = states.get(m.status, 0) + 1
        title = _("Needs a look (unknown, failed, held, recently expired): {counts}")
        shown = title.format(counts=sorted_counts(states))
        print_messages(doc["attention"], shown, texts=False, limit=_STATUS_ATTENTION_SHOWN)
    print_upcoming(doc.get("answers", []))


PURGE_HELP = N_("""Delete appointments and messages older than a date (the quota ledger stays).

The date may be yesterday at the latest: what a visit not yet over needs
to be reminded exactly once is never deleted.

\b
Example:
  smsremind purge --before 2026-01-01""")


@cli.command("purge", help=PURGE_HELP)
@click.option(
    "--before",
    "before",
    required=True,
    metavar="DATE",
    help=N_("Delete appointments and messages before this date (YYYY-MM-DD or DD.MM.YYYY)."),
)
@json_option
@pass_app
def purge_(app: App, before: str, as_json: bool) -> None:
    """Delete appointments and messages older than a date."""
    result = purge.purge(app.store, app.cfg, parse_day(before), app.now)
    log.info(
        "purge before %s: %s appointments, %s messages", before, result["appointments"], result["messages"]
    )
    if as_json:
        print_json(result)
    elif not app.quiet:
        visits = ngettext("{n} appointment", "{n} appointments", result["appointments"])
        messages = ngettext("{n} message", "{n} messages", result["messages"])
        text = _("Deleted {appointments} and {messages} before {day}").format(
            appointments=visits.format(n=result["appointments"]),
            messages=messages.format(n=result["messages"]),
            day=before,
        )
        out.print(text, highlight=False)


BACKUP_HELP = N_("""Copy the live database to FILE, consistently, also while a run is going (0600).

\b
Examples:
  smsremind backup /var/backups/gabinet/smsremind.db
  smsremind -q backup "backups/smsremind-$(date +%a).db"    # a week of daily copies""")


@cli.command("backup", help=BACKUP_HELP)
@click.argument("target", metavar="FILE", type=click.Path(path_type=Path, dir_okay=False))
@pass_app
def backup_(app: App, target: Path) -> None:
    """Copy the live database to FILE."""
    size = backup.backup(app.store, target)
    log.info("backup of %s written to %s (%d bytes)", app.store.path, target, size)
    if not app.quiet:
        text = ngettext(
            "Backed up {path} to {target} ({n} byte)", "Backed up {path} to {target} ({n} bytes)", size
        )
        out.print(text.format(path=app.store.path, target=target, n=number(size)), highlight=False)
