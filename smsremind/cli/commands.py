"""init, import, run, preview, explain (status, purge and backup are in :mod:`.ops`)."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

import click

from smsremind import config, i18n
from smsremind.cli.app import (
    App,
    err,
    exit_with,
    json_option,
    mask_numbers,
    out,
    pass_app,
    print_json,
    print_messages,
)
from smsremind.cli.replies import of_messages
from smsremind.cli.root import cli
from smsremind.clock import fmt_local, parse_day
from smsremind.errors import ExitCode, InvalidInputError
from smsremind.i18n import _, ngettext
from smsremind.intake import formats, importer, sync
from smsremind.replies import answers
from smsremind.rules import explain as explain_mod
from smsremind.rules import notices, planner
from smsremind.rules.messages import QUOTA
from smsremind.sending import gateways, ping, runner
from smsremind.sending.report import COUNTS, RunReport
from smsremind.storage.files import append_private, check_path
from smsremind.storage.store import Store

_MAX_REJECT_LINES = 100
log = logging.getLogger("smsremind.cli")


@cli.command()
@pass_app
def init(app: App) -> None:
    """Write a commented config file (unless one exists) and create the database it names.

    A config written by hand or deployed by Ansible is kept byte for byte;
    only the missing database is created. Run again, it changes nothing.

    \b
    Example:
      smsremind init                     # ./smsremind.toml + ./smsremind.db
      smsremind --config /srv/gabinet/smsremind.toml init
    """
    path = config.locate(app.config_path)
    if not config.exists(path):
        text = resources.files("smsremind").joinpath("config.example.toml").read_text(encoding="utf-8")
        with append_private(path) as fh:
            fh.write(text)
        out.print(f"Wrote {path} (sending is off until you set enabled = true)", highlight=False)
    else:
        out.print(f"Using the existing config {path}", highlight=False)
    cfg = app.cfg
    if check_path(cfg.database):
        out.print(f"Database {cfg.database} already exists; nothing changed", highlight=False)
        return
    Store(cfg.database, create=True).close()
    out.print(f"Created database {cfg.database}", highlight=False)


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
    changed = report.new + report.moved + report.cancelled + report.restored + report.updated + report.removed
    level = logging.INFO if changed or report.rejected else logging.DEBUG  # unchanged is not news
    log.log(level, "import %s: %s", report.source, _import_summary(report))
    if as_json:
        print_json(report.as_json())
    else:
        _print_import(report, prepared.source.label, full, app.quiet or level == logging.DEBUG)
    exit_with(ExitCode.PARTIAL if report.rejected else ExitCode.OK)


def _import_summary(report: sync.ImportReport) -> str:
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
    return ", ".join(parts)


def _print_import(report: sync.ImportReport, label: str, full: bool, quiet: bool) -> None:
    """Rejected rows and a damaged --full file always (stderr); the summary unless ``quiet``
    (-q, or nothing changed)."""
    for item in report.rejects[:_MAX_REJECT_LINES]:
        # label and reason are English msgids (the reason stays English in --json): translated here
        line = _("{source}: {label} {line}: {reason}").format(
            source=report.source, label=_(label), line=item.line, reason=_(item.reason)
        )
        err.print(mask_numbers(line), highlight=False, markup=False)  # a swapped column may quote a phone
    if report.rejected > _MAX_REJECT_LINES:
        err.print(f"... and {report.rejected - _MAX_REJECT_LINES} more rejected rows", highlight=False)
    if not report.committed:
        err.print(
            f"{report.source}: --strict: {report.rejected} bad rows, nothing imported",
            highlight=False,
            markup=False,
        )
        return
    if full and report.structural:
        err.print(
            f"{report.source}: --full cancelled nothing: the file is damaged at {label} "
            f"{report.first_structural} ({report.structural} broken rows: stray quotes, wrong field counts)",
            highlight=False,
            markup=False,
        )
    if quiet:
        return
    out.print(f"Imported {report.source}: {_import_summary(report)}", highlight=False, markup=False)
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
    except BaseException:
        ping.ping(app.cfg.monitoring.ping_url, failed=True)
        raise
    finally:
        gateway.close()
    if not (report.dry_run or report.disabled or report.busy):
        ping.ping(app.cfg.monitoring.ping_url, failed=bool(report.exit_code))
    if report.disabled:
        _say_disabled(app)
    elif report.busy:
        busy = "another `smsremind run` is in progress; nothing done"
        if app.quiet:  # an overlapping cron tick is normal: the log has it
            log.info(busy)
        else:  # a person who typed it should know
            err.print(busy, highlight=False)
    if report.outage:  # exit 3 and one line on stderr, so that cron mails the administrator
        err.print(f"smsremind: {report.outage}", highlight=False, markup=False)
    if as_json:
        print_json(report.as_json())
    elif not (report.disabled or report.busy or app.quiet) and (report.dry_run or _eventful(report)):
        _print_run(report, app.cfg.output.table_limit)
    _warn_run(report)
    exit_with(report.exit_code)


def _say_disabled(app: App) -> None:
    """Cron runs every 5 minutes: a switched-off installation says so once a day, not 288 times."""
    today = app.now.date().isoformat()
    if app.quiet or app.store.get_meta("disabled.said") == today:
        return
    app.store.set_meta("disabled.said", today)
    err.print(
        f"sending is disabled (enabled = false in {app.cfg.path}); nothing sent (said once a day)",
        highlight=False,
    )


def _eventful(report: RunReport) -> bool:
    """Something a human may want to read: a message went, failed, was held or expired."""
    acted = report.sent + report.failed + report.held + report.expired + report.unknown
    return bool(acted or report.recovered or report.payments or report.replies)


def _warn_run(report: RunReport) -> None:
    """What needs a human goes to stderr, also with -q, so that cron mails it."""
    if report.failed or report.unknown:
        err.print(
            f"{report.failed} messages failed and {report.unknown} have an unknown fate; "
            "see `smsremind status`",
            highlight=False,
        )
    for_quota = sum(1 for m in report.messages if m.status == "held" and m.reason == QUOTA)
    if for_quota:  # held for an outage is said by the outage line
        err.print(
            f"{for_quota} messages held: the SMS quota is used up (smsremind quota buy 100|500|1000)",
            highlight=False,
        )


def _print_run(report: RunReport, limit: int) -> None:
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
        print_messages(report.messages[:limit])
    if len(report.messages) > limit:
        out.print(
            f"… {len(report.messages) - limit} more (smsremind preview --date {report.now.date()})",
            highlight=False,
        )


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
    count = ngettext("{n} message", "{n} messages", len(plan)).format(n=i18n.number(len(plan)))
    title = _("{day}: {count}").format(day=i18n.day(target), count=count)
    if plan:
        print_messages(plan, title, answers=answered)
    else:
        out.print(f"{title}.", highlight=False)


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
