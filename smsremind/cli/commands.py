"""init, import, run, preview, status, explain, purge."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from smsremind import config
from smsremind.cli.app import (
    App,
    err,
    exit_with,
    json_option,
    out,
    pass_app,
    print_json,
    print_messages,
)
from smsremind.cli.replies import of_messages, print_upcoming
from smsremind.cli.root import cli
from smsremind.clock import fmt_local, parse_day
from smsremind.errors import ExitCode, InvalidInputError, SmsRemindError
from smsremind.intake import formats, importer, sync
from smsremind.replies import answers
from smsremind.rules import explain as explain_mod
from smsremind.rules import notices, planner
from smsremind.sending import gateways, runner
from smsremind.sending import status as status_mod
from smsremind.sending.report import COUNTS, RunReport
from smsremind.storage import purge
from smsremind.storage.store import Store, create_private

_MAX_REJECT_LINES = 100


@cli.command()
@pass_app
def init(app: App) -> None:
    """Write a commented config file and create the database.

    \b
    Example:
      smsremind init                     # ./smsremind.toml + ./smsremind.db
      smsremind --config /srv/gabinet/smsremind.toml init
    """
    path = config.locate(app.config_path)
    if path.exists():
        raise SmsRemindError(f"{path} already exists; not overwriting it")
    text = resources.files("smsremind").joinpath("config.example.toml").read_text(encoding="utf-8")
    create_private(path)
    path.write_text(text, encoding="utf-8")
    cfg = config.load(path)
    Store(cfg.database, create=True).close()
    out.print(f"Wrote {path} (sending is off until you set enabled = true)")
    out.print(f"Created database {cfg.database}")


def _mapping(app: App, pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = dict(app.cfg.import_.columns)
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        if not sep or ours.strip() not in importer.COLUMNS or not theirs.strip():
            raise InvalidInputError(
                f"--map {pair!r}: expected OURS=THEIRS with OURS one of {', '.join(importer.COLUMNS)}"
            )
        mapping[ours.strip()] = theirs.strip()
    return mapping


@cli.command("import")
@click.argument("source")  # not click.Path: it stats the name, and a NUL in it would crash there
@click.option("--practice", help="Practice of rows that have no practice column/value.")
@click.option("--full", is_flag=True, help="The file is the whole future calendar: cancel what is missing.")
@click.option("--no-notify", is_flag=True, help="Record changes without sending notices for them.")
@click.option("--strict", is_flag=True, help="Reject the whole file if any row is bad.")
@click.option(
    "--force",
    is_flag=True,
    help="--full may cancel more than [import] max_cancel_share; allow a new practice named "
    "like a garbled existing one.",
)
@click.option("--map", "maps", multiple=True, metavar="OURS=THEIRS", help="Column name mapping.")
@click.option(
    "--sheet", metavar="NAME", help="SOURCE is an Excel workbook: read this sheet (default: the first)."
)
@click.option("--table", help="SOURCE is an SQLite database: read this table.")
@click.option("--query", help="SOURCE is an SQLite database: read this SELECT.")
@json_option
@pass_app
def import_(
    app: App,
    source: str,
    practice: str | None,
    full: bool,
    no_notify: bool,
    strict: bool,
    force: bool,
    maps: tuple[str, ...],
    sheet: str | None,
    table: str | None,
    query: str | None,
    as_json: bool,
) -> None:
    """Import appointments from CSV, Excel (.xlsx), iCalendar (.ics) or an SQLite database.

    SOURCE "-" reads standard input (any of the file formats).

    \b
    Examples:
      smsremind import export.csv --full
      smsremind import wizyty.csv --map start=Termin --map phone=Telefon --practice "Gabinet Uśmiech"
      smsremind import raport.xlsx --sheet Wizyty --map date=Data --map time=Godzina
      smsremind import kalendarz.ics --practice "Gabinet Uśmiech" --full
      smsremind import calendar.db --table appointments
      cat export.csv | smsremind import -
    """
    if table and query:
        raise InvalidInputError("give either --table or --query, not both")
    formats.check_address(source)
    mapping = _mapping(app, maps)
    spec = importer.Spec(
        Path(source),
        mapping,
        app.cfg.timezone.key,
        practice or app.cfg.practice or None,
        table,
        query,
        status_words=app.cfg.import_.status,
    )
    options = formats.Options(app.now, app.cfg.country, sheet)
    limits = sync.Limits(app.cfg.import_.max_cancel_share, force)
    with formats.resolved(spec) as spec:
        prepared = formats.prepare(spec, options)
        report = sync.import_rows(
            app.store,
            prepared,
            app.now,
            full=full,
            quiet=no_notify,
            strict=strict,
            practice=practice,
            limits=limits,
        )
    if as_json:
        print_json(report.as_json())
    else:
        _print_import(report, prepared.source.label, full)
    exit_with(ExitCode.PARTIAL if report.rejected else ExitCode.OK)


def _print_import(report: sync.ImportReport, label: str, full: bool) -> None:
    for item in report.rejects[:_MAX_REJECT_LINES]:
        err.print(f"{report.source}: {label} {item.line}: {item.reason}", highlight=False, markup=False)
    if report.rejected > _MAX_REJECT_LINES:
        err.print(f"... and {report.rejected - _MAX_REJECT_LINES} more rejected rows", highlight=False)
    if not report.committed:
        err.print(
            f"{report.source}: --strict: {report.rejected} bad rows, nothing imported",
            highlight=False,
            markup=False,
        )
        return
    parts = [
        f"{report.new} new",
        f"{report.moved} moved",
        f"{report.cancelled} cancelled",
        f"{report.restored} restored",
        f"{report.updated} updated",
        f"{report.unchanged} unchanged",
    ]
    if report.removed:
        parts.append(f"{report.removed} cancelled as missing (--full)")
    if report.rejected:
        parts.append(f"{report.rejected} rejected")
    out.print(f"Imported {report.source}: " + ", ".join(parts), highlight=False, markup=False)
    if full and report.structural:
        err.print(
            f"{report.source}: --full cancelled nothing: the file is damaged at {label} "
            f"{report.first_structural} ({report.structural} broken rows: stray quotes, wrong field counts)",
            highlight=False,
            markup=False,
        )
    if report.baseline:
        out.print(
            "Baseline import (no notices) for: " + ", ".join(report.baseline),
            highlight=False,
            markup=False,
        )


@cli.command()
@click.option("--dry-run", is_flag=True, help="Show what would be sent; change nothing.")
@json_option
@pass_app
def run(app: App, dry_run: bool, as_json: bool) -> None:
    """Send the messages that are due now (run this from cron every few minutes).

    \b
    Examples:
      smsremind run
      smsremind run --dry-run --json
      smsremind --now "2026-11-27 12:00" run       # replay a moment
    """
    gateway = gateways.make(app.cfg)
    try:
        report = runner.run(app.store, app.cfg, gateway, app.now, dry_run=dry_run)
    finally:
        gateway.close()
    if report.disabled:
        err.print(
            f"sending is disabled (enabled = false in {app.cfg.path}); nothing sent",
            highlight=False,
        )
    elif report.busy:
        err.print("another `smsremind run` is in progress; nothing done", highlight=False)
    if report.outage:  # exit 3 and one line on stderr, so that cron mails the administrator
        err.print(f"smsremind: {report.outage}", highlight=False, markup=False)
    if as_json:
        print_json(report.as_json())
    elif not (report.disabled or report.busy):
        _print_run(report)
    exit_with(report.exit_code)


def _print_run(report: RunReport) -> None:
    head = "Dry run" if report.dry_run else "Run"
    counts = ", ".join(f"{getattr(report, k)} {k}" for k in COUNTS)
    out.print(f"{head} at {fmt_local(report.now)}: {counts}", highlight=False)
    if report.dry_run:
        due = sum(1 for m in report.messages if m.status == "due")
        out.print(f"{due} messages would be sent now", highlight=False)
    for payment, state in report.payments:
        out.print(f"Purchase {payment}: {state}", highlight=False)
    if report.replies:
        out.print(f"{report.replies} new answers from patients (see `smsremind replies`)", highlight=False)
    if report.recovered:
        out.print(f"{report.recovered} messages left by an interrupted run were resolved", highlight=False)
    if report.messages:
        print_messages(report.messages)


@cli.command()
@click.option(
    "--date", "day", metavar="DATE", help="Day to preview, YYYY-MM-DD or DD.MM.YYYY (default: today)."
)
@json_option
@pass_app
def preview(app: App, day: str | None, as_json: bool) -> None:
    """Show the messages of a day: planned, sent, skipped, held and expired.

    \b
    Examples:
      smsremind preview --date 2026-11-27
      smsremind preview --json
    """
    target = parse_day(day) if day else app.now.date()
    ctx = planner.PlanContext.build(app.store, app.cfg, app.now)
    plan = planner.day_plan(app.store, ctx, target, notices.notices_planned)
    answered = of_messages(app, plan)
    if as_json:
        docs = [m.as_json() for m in plan]
        for doc, got in zip(docs, answered or [], strict=False):
            doc["answers"] = got
        print_json(docs)
        return
    title = f"{target:%A %Y-%m-%d}: {len(plan)} messages"
    if plan:
        print_messages(plan, title, answers=answered)
    else:
        out.print(f"{title}.", highlight=False)


@cli.command()
@json_option
@pass_app
def status(app: App, as_json: bool) -> None:
    """Last run, cron health, today's plan, and messages that need a look.

    \b
    Example:
      smsremind status
    """
    ctx = planner.PlanContext.build(app.store, app.cfg, app.now)
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
        print_messages(doc["planned_today"], "Still planned today", texts=False)
    if doc["attention"]:
        print_messages(doc["attention"], "Needs a look: unknown, failed, held, recently expired", texts=False)
    print_upcoming(doc.get("answers", []))


@cli.command()
@click.argument("appointment_id")
@click.option("--practice", help="Needed when the id exists at several practices.")
@json_option
@pass_app
def explain(app: App, appointment_id: str, practice: str | None, as_json: bool) -> None:
    """Show every step of the send-time computation for one appointment.

    \b
    Example:
      smsremind explain 1017
    """
    ctx = planner.PlanContext.build(app.store, app.cfg, app.now)
    doc = explain_mod.explain(app.store, ctx, appointment_id, practice)
    if app.cfg.replies.enabled:
        a = doc["appointment"]
        doc["answer"] = answers.of_appointment(app.store, a["practice"], a["id"])
    if as_json:
        print_json(doc)
        return
    a = doc["appointment"]
    out.print(
        f"Appointment {a['id']} at {a['practice']}: {a['start']} ({a['status']}), "
        f"{a['to_masked']}, booked {a['booked_at']}",
        highlight=False,
        markup=False,
    )
    for i, step in enumerate(doc["steps"], 1):
        out.print(f"  {i}. {step['rule']}: {step['text']}", highlight=False, markup=False)
    verdict = f"send at {doc['send_at']}" if doc["send_at"] else f"no reminder ({doc['reason']})"
    out.print(f"  => {verdict}", highlight=False, markup=False)
    phone = doc["phone"]
    if phone["problem"] or phone["opted_out"]:
        out.print(f"  number: skipped ({phone['problem'] or 'opted-out'})", highlight=False)
    for label in ("reminder", "notice"):
        m = doc[label]
        if m:
            out.print(
                f"  {label}: {m['status']}{' (' + m['reason'] + ')' if m['reason'] else ''}, "
                f"{m['send_at']}, covers {', '.join(m['appointments'])}: {m['text']}",
                highlight=False,
                markup=False,
            )
    if "answer" in doc:
        out.print(f"  patient's answer: {doc['answer']}", highlight=False)
    for e in doc["events"]:
        out.print(
            f"  event {e['at']}: {e['kind']} {e['old_start'] or ''} -> {e['new_start'] or ''}"
            f" {e['detail'] or ''}".rstrip(),
            highlight=False,
            markup=False,
        )


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

    \b
    Example:
      smsremind purge --before 2026-01-01
    """
    result = purge.purge(app.store, app.cfg, parse_day(before))
    if as_json:
        print_json(result)
    else:
        out.print(
            f"Deleted {result['appointments']} appointments and {result['messages']} messages "
            f"before {before}",
            highlight=False,
        )
