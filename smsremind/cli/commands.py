"""init, import, run, preview (explain is in :mod:`.explain`; status, purge and backup in :mod:`.ops`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
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
from smsremind.cli.words import counts_that_happened, english, word
from smsremind.clock import fmt_local, parse_day
from smsremind.errors import ExitCode, InvalidInputError
from smsremind.i18n import N_, _, ngettext
from smsremind.intake import formats, importer, sync
from smsremind.rules import notices, planner
from smsremind.rules.messages import QUOTA
from smsremind.sending import gateways, ping, runner
from smsremind.sending.report import COUNTS, RunReport
from smsremind.storage.files import append_private, check_path
from smsremind.storage.store import Store

_MAX_REJECT_LINES = 100
log = logging.getLogger("smsremind.cli")

INIT_HELP = N_("""Write a commented config file (unless one exists) and create the database it names.

A config written by hand or deployed by Ansible is kept byte for byte;
only the missing database is created. Run again, it changes nothing.

\b
Example:
  smsremind init                     # ./smsremind.toml + ./smsremind.db
  smsremind --config /srv/gabinet/smsremind.toml init""")


@cli.command(help=INIT_HELP)
@pass_app
def init(app: App) -> None:
    """Write the config (unless it exists) and create its database."""
    path = config.locate(app.config_path)
    if not config.exists(path):
        text = resources.files("smsremind").joinpath("config.example.toml").read_text(encoding="utf-8")
        with append_private(path) as fh:
            fh.write(text)
        text = _("Wrote {path} (sending is off until you set enabled = true)").format(path=path)
        out.print(text, highlight=False)
    else:
        out.print(_("Using the existing config {path}").format(path=path), highlight=False)
    cfg = app.cfg
    if check_path(cfg.database):
        text = _("Database {path} already exists; nothing changed").format(path=cfg.database)
        out.print(text, highlight=False)
        return
    Store(cfg.database, create=True).close()
    out.print(_("Created database {path}").format(path=cfg.database), highlight=False)


def _mapping(app: App, pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = dict(app.cfg.import_.columns)
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        if not sep or ours.strip() not in importer.COLUMNS or not theirs.strip():
            text = _("--map {pair}: expected OURS=THEIRS with OURS one of {columns}")
            raise InvalidInputError(text.format(pair=repr(pair), columns=", ".join(importer.COLUMNS)))
        mapping[ours.strip()] = theirs.strip()
    return mapping


IMPORT_HELP = N_("""Import appointments from CSV, Excel (.xlsx), iCalendar (.ics) or an SQLite database.

SOURCE "-" reads standard input (any of the file formats).

\b
Examples:
  smsremind import export.csv --full
  smsremind import wizyty.csv --map start=Termin --map phone=Telefon --practice "Gabinet Uśmiech"
  smsremind import raport.xlsx --sheet Wizyty --map date=Data --map time=Godzina
  smsremind import kalendarz.ics --practice "Gabinet Uśmiech" --full
  smsremind import calendar.db --table appointments
  cat export.csv | smsremind import -""")


@cli.command("import", help=IMPORT_HELP)
@click.argument("source")  # not click.Path: it stats the name, and a NUL in it would crash there
@click.option("--practice", help=N_("Practice of rows that have no practice column/value."))
@click.option(
    "--full", is_flag=True, help=N_("The file is the whole future calendar: cancel what is missing.")
)
@click.option("--no-notify", is_flag=True, help=N_("Record changes without sending notices for them."))
@click.option("--strict", is_flag=True, help=N_("Reject the whole file if any row is bad."))
@click.option(
    "--force",
    is_flag=True,
    help=N_(
        "--full may cancel more than [import] max_cancel_share; allow a new practice named "
        "like a garbled existing one."
    ),
)
@click.option("--map", "maps", multiple=True, metavar="OURS=THEIRS", help=N_("Column name mapping."))
@click.option(
    "--sheet", metavar="NAME", help=N_("SOURCE is an Excel workbook: read this sheet (default: the first).")
)
@click.option("--table", help=N_("SOURCE is an SQLite database: read this table."))
@click.option("--query", help=N_("SOURCE is an SQLite database: read this SELECT."))
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
    """Import appointments from a file, standard input or an SQLite database."""
    if table and query:
        raise InvalidInputError(_("give either --table or --query, not both"))
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
    log.log(level, "import %s: %s", report.source, _import_summary(report, english))
    if as_json:
        print_json(report.as_json())
    else:
        _print_import(report, prepared.source.label, full, app.quiet or level == logging.DEBUG)
    exit_with(ExitCode.PARTIAL if report.rejected else ExitCode.OK)


def _import_summary(report: sync.ImportReport, ngettext: Callable[[str, str, int], str] = ngettext) -> str:
    """The counts of an import; ``ngettext=english`` for the log file, which stays English."""
    r = report
    parts = [
        ngettext("{n} new", "{n} new", r.new).format(n=r.new),
        ngettext("{n} moved", "{n} moved", r.moved).format(n=r.moved),
        ngettext("{n} cancelled", "{n} cancelled", r.cancelled).format(n=r.cancelled),
        ngettext("{n} restored", "{n} restored", r.restored).format(n=r.restored),
        ngettext("{n} updated", "{n} updated", r.updated).format(n=r.updated),
        ngettext("{n} unchanged", "{n} unchanged", r.unchanged).format(n=r.unchanged),
    ]
    if r.removed:
        text = ngettext("{n} cancelled as missing (--full)", "{n} cancelled as missing (--full)", r.removed)
        parts.append(text.format(n=r.removed))
    if r.rejected:
        parts.append(ngettext("{n} rejected", "{n} rejected", r.rejected).format(n=r.rejected))
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
        more = report.rejected - _MAX_REJECT_LINES
        text = ngettext("... and {n} more rejected row", "... and {n} more rejected rows", more)
        err.print(text.format(n=more), highlight=False)
    if not report.committed:
        text = ngettext(
            "{source}: --strict: {n} bad row, nothing imported",
            "{source}: --strict: {n} bad rows, nothing imported",
            report.rejected,
        )
        err.print(text.format(source=report.source, n=report.rejected), highlight=False, markup=False)
        return
    if full and report.structural:
        text = ngettext(
            "{source}: --full cancelled nothing: the file is damaged at {label} {where} "
            "({n} broken row: stray quotes, wrong field counts)",
            "{source}: --full cancelled nothing: the file is damaged at {label} {where} "
            "({n} broken rows: stray quotes, wrong field counts)",
            report.structural,
        )
        where = report.first_structural
        line = text.format(source=report.source, label=_(label), where=where, n=report.structural)
        err.print(line, highlight=False, markup=False)
    if quiet:
        return
    line = _("Imported {source}: {counts}").format(source=report.source, counts=_import_summary(report))
    out.print(line, highlight=False, markup=False)
    if report.baseline:
        text = _("Baseline import (no notices) for: {practices}").format(practices=", ".join(report.baseline))
        out.print(text, highlight=False, markup=False)


RUN_HELP = N_("""Send the messages that are due now (run this from cron every few minutes).

\b
Examples:
  smsremind run
  smsremind run --dry-run --json
  smsremind --now "2026-11-27 12:00" run       # replay a moment""")
BUSY = N_("another `smsremind run` is in progress; nothing done")


@cli.command(help=RUN_HELP)
@click.option("--dry-run", is_flag=True, help=N_("Show what would be sent; change nothing."))
@json_option
@pass_app
def run(app: App, dry_run: bool, as_json: bool) -> None:
    """Send the messages that are due now."""
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
        if app.quiet:  # an overlapping cron tick is normal: the log has it (in English)
            log.info(BUSY)
        else:  # a person who typed it should know
            err.print(_(BUSY), highlight=False)
    if report.outage:  # exit 3 and one line on stderr, so that cron mails the administrator
        line = f"smsremind: {report.outage}"  # the program's name and the (translated) outage
        err.print(line, highlight=False, markup=False)
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
    text = _("sending is disabled (enabled = false in {path}); nothing sent (said once a day)")
    err.print(text.format(path=app.cfg.path), highlight=False)


def _eventful(report: RunReport) -> bool:
    """Something a human may want to read: a message went, failed, was held or expired."""
    acted = report.sent + report.failed + report.held + report.expired + report.unknown
    return bool(acted or report.recovered or report.payments or report.replies)


def _warn_run(report: RunReport) -> None:
    """What needs a human goes to stderr, also with -q, so that cron mails it."""
    if report.failed or report.unknown:
        failed = ngettext("{n} message failed", "{n} messages failed", report.failed)
        unknown = ngettext("{n} has an unknown fate", "{n} have an unknown fate", report.unknown)
        text = _("{failed} and {unknown}; see `smsremind status`").format(
            failed=failed.format(n=report.failed), unknown=unknown.format(n=report.unknown)
        )
        err.print(text, highlight=False)
    for_quota = sum(1 for m in report.messages if m.status == "held" and m.reason == QUOTA)
    if for_quota:  # held for an outage is said by the outage line
        text = ngettext(
            "{n} message held: the SMS quota is used up (smsremind quota buy 100|500|1000)",
            "{n} messages held: the SMS quota is used up (smsremind quota buy 100|500|1000)",
            for_quota,
        )
        err.print(text.format(n=for_quota), highlight=False)


def _print_run(report: RunReport, limit: int) -> None:
    head = _("Dry run at {time}: {counts}") if report.dry_run else _("Run at {time}: {counts}")
    shown = counts_that_happened((k, getattr(report, k)) for k in COUNTS)
    out.print(head.format(time=fmt_local(report.now), counts=shown), highlight=False, soft_wrap=True)
    if report.dry_run:
        due = sum(1 for m in report.messages if m.status == "due")
        text = ngettext("{n} message would be sent now", "{n} messages would be sent now", due)
        out.print(text.format(n=due), highlight=False)
    for payment, state in report.payments:
        out.print(
            _("Purchase {payment}: {state}").format(payment=payment, state=word(state)), highlight=False
        )
    if report.replies:
        text = ngettext(
            "{n} new answer from patients (see `smsremind replies`)",
            "{n} new answers from patients (see `smsremind replies`)",
            report.replies,
        )
        out.print(text.format(n=report.replies), highlight=False)
    if report.recovered:
        text = ngettext(
            "{n} message left by an interrupted run was resolved",
            "{n} messages left by an interrupted run were resolved",
            report.recovered,
        )
        out.print(text.format(n=report.recovered), highlight=False)
    if report.messages:
        print_messages(report.messages[:limit])
    if len(report.messages) > limit:
        more = len(report.messages) - limit
        text = _("… {n} more (smsremind preview --date {day})").format(n=more, day=report.now.date())
        out.print(text, highlight=False)


PREVIEW_HELP = N_("""Show the messages of a day: planned, sent, skipped, held and expired.

\b
Examples:
  smsremind preview --date 2026-11-27
  smsremind preview --json""")


@cli.command(help=PREVIEW_HELP)
@click.option(
    "--date", "day", metavar="DATE", help=N_("Day to preview, YYYY-MM-DD or DD.MM.YYYY (default: today).")
)
@json_option
@pass_app
def preview(app: App, day: str | None, as_json: bool) -> None:
    """Show the messages of a day."""
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
        said = (
            [{ext: word(state) for ext, state in got.items()} for got in answered] if answered else answered
        )
        print_messages(plan, title, answers=said)
    else:
        out.print(f"{title}.", highlight=False)
