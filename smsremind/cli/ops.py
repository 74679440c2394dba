"""The operator's commands: status (and --check for monitoring), purge, backup."""

from __future__ import annotations

import logging
from pathlib import Path

import click

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
from smsremind.clock import parse_day
from smsremind.replies import answers
from smsremind.rules import planner
from smsremind.sending import status as status_mod
from smsremind.sending.report import COUNTS
from smsremind.storage import backup, purge

log = logging.getLogger("smsremind.cli")


# `status` summarises: counts per state, then the first few messages of each list.
_STATUS_PLANNED_SHOWN = 10
_STATUS_ATTENTION_SHOWN = 20


@cli.command()
@click.option("--check", is_flag=True, help="One line and an exit code for a monitoring system.")
@json_option
@pass_app
def status(app: App, check: bool, as_json: bool) -> None:
    """Last run, cron health, today's plan, and messages that need a look.

    With --check: one line, exit 0 when healthy, else 4 (cron stalled inside
    the sending window), 5 (the last run ended in error), 6 (messages failed
    or unknown today) or 7 (messages held for quota), the most urgent first.

    \b
    Examples:
      smsremind status
      smsremind status --check     # for Nagios, Zabbix, monit: exit code and one line
    """
    # Texts are rendered only for the messages shown (all of them with --json).
    ctx = planner.PlanContext.build(app.store, app.cfg, app.now, lazy_texts=not as_json)
    if check:
        code, line = status_mod.check(app.store, ctx)
        if code or not app.quiet:
            click.echo(mask_numbers(line))  # one line, never wrapped: monitors read it whole
        exit_with(code)
        return
    doc = status_mod.status(app.store, ctx)
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
        out.print(
            f"[bold red]Sending stopped:[/] {doc['held']['messages']} messages "
            f"({doc['held']['parts']} parts) held for quota; buy a pack: smsremind quota buy 100|500|1000",
            highlight=False,
        )
    if not doc["enabled"]:
        out.print("[yellow]Sending is disabled[/] (enabled = false)")
    if last:
        counts = ", ".join(f"{last[k]} {k}" for k in COUNTS)
        out.print(
            f"Last run: {last['at']}, {last['outcome']} ({counts})"
            + (f": {last['error']}" if last["error"] else ""),
            highlight=False,
        )
    if doc["warning"]:
        out.print(f"[bold red]warning:[/] {doc['warning']}", highlight=False)
    q = doc["quota"]
    out.print(
        f"Quota: {q['total']} parts left ({q['monthly_left']} of {q['monthly_allowance']} monthly, "
        f"{q['bought_left']} bought)",
        highlight=False,
    )
    counts = doc["deliveries"]["counts"]
    if set(counts) - {"no report"}:
        shown = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        out.print(f"Delivery reports (7 days): {shown}", highlight=False)
    if doc["pending_purchases"]:
        out.print("Purchases waiting for payment: " + ", ".join(doc["pending_purchases"]), highlight=False)
    today = ", ".join(f"{n} {k}" for k, n in sorted(doc["today"].items())) or "nothing"
    out.print(f"Today ({doc['now'][:10]}): {today}", highlight=False)
    if doc["planned_today"]:
        print_messages(doc["planned_today"], "Still planned today", texts=False, limit=_STATUS_PLANNED_SHOWN)
    if doc["attention"]:
        states: dict[str, int] = {}
        for m in doc["attention"]:
            states[m.status] = states.get(m.status, 0) + 1
        shown = ", ".join(f"{n} {k}" for k, n in sorted(states.items()))
        title = f"Needs a look (unknown, failed, held, recently expired): {shown}"
        print_messages(doc["attention"], title, texts=False, limit=_STATUS_ATTENTION_SHOWN)
    print_upcoming(doc.get("answers", []))


@cli.command("purge")
@click.option(
    "--before",
    "before",
    required=True,
    metavar="DATE",
    help="Delete appointments and messages before this date (YYYY-MM-DD or DD.MM.YYYY).",
)
@json_option
@pass_app
def purge_(app: App, before: str, as_json: bool) -> None:
    """Delete appointments and messages older than a date (the quota ledger stays).

    The date may be yesterday at the latest: what a visit not yet over needs
    to be reminded exactly once is never deleted.

    \b
    Example:
      smsremind purge --before 2026-01-01
    """
    result = purge.purge(app.store, app.cfg, parse_day(before), app.now)
    log.info(
        "purge before %s: %s appointments, %s messages", before, result["appointments"], result["messages"]
    )
    if as_json:
        print_json(result)
    elif not app.quiet:
        out.print(
            f"Deleted {result['appointments']} appointments and {result['messages']} messages "
            f"before {before}",
            highlight=False,
        )


@cli.command("backup")
@click.argument("target", metavar="FILE", type=click.Path(path_type=Path, dir_okay=False))
@pass_app
def backup_(app: App, target: Path) -> None:
    """Copy the live database to FILE, consistently, also while a run is going (0600).

    \b
    Examples:
      smsremind backup /var/backups/gabinet/smsremind.db
      smsremind -q backup "backups/smsremind-$(date +%a).db"    # a week of daily copies
    """
    size = backup.backup(app.store, target)
    log.info("backup of %s written to %s (%d bytes)", app.store.path, target, size)
    if not app.quiet:
        out.print(f"Backed up {app.store.path} to {target} ({size} bytes)", highlight=False)
