"""What every command shares: the App context, --json, rendering, the error boundary.

Core modules never import click; this package turns their results into rich
tables (phones masked) or one JSON document on stdout, and their errors into
one line on stderr with the exit code of SPEC §9.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from smsremind import clock, config, i18n
from smsremind.cli import logs
from smsremind.errors import ExitCode, SmsRemindError
from smsremind.i18n import N_, _
from smsremind.intake.phones import mask, mask_text
from smsremind.rules.messages import Planned
from smsremind.storage.store import MissingDatabaseError, Store, explain_error

# Not a terminal (cron mail, a pipe): rich would assume 80 columns and squash the tables.
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("smsremind")


class Failure(click.ClickException):
    """A core error on its way out: one line, the right exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares a ClassVar default

    def show(self, file: Any = None) -> None:
        line = _("smsremind: error: {message}").format(message=mask_text(self.format_message()))
        click.echo(line, err=True)


class Group(click.Group):
    """A click group that converts SmsRemindError (and stray crashes) into Failure."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SmsRemindError as exc:
            raise Failure(str(exc), int(exc.exit_code)) from None
        except sqlite3.Error as exc:
            app = ctx.obj if isinstance(ctx.obj, App) else None
            where = app.database_path() if app else Path("database")
            raise Failure(str(explain_error(exc, where)), int(ExitCode.ERROR)) from None
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                full = exc.filename or _("a file")
                raise Failure(_("{file}: disk full; free some space").format(file=full), 1) from None
            raise Failure(
                f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), int(ExitCode.ERROR)
            ) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("SMSREMIND_DEBUG"):
                raise
            log.debug("internal error", exc_info=True)
            text = _("internal error: {kind}: {error} (set SMSREMIND_DEBUG=1 for the traceback)")
            raise Failure(text.format(kind=type(exc).__name__, error=exc), int(ExitCode.ERROR)) from None


class App:
    """Lazily loaded config, store and now, shared through ``ctx.obj``."""

    def __init__(self, config_path: str | None, now_text: str | None, quiet: bool = False):
        self.config_path = config_path
        self.now_text = now_text
        self.quiet = quiet  # -q: only warnings and errors, for cron
        self._store: Store | None = None

    @cached_property
    def cfg(self) -> config.Config:
        cfg = config.load(self.config_path)
        i18n.use(i18n.choose(cfg.ui_language))
        logs.to_file(cfg.log.file, config.secrets(cfg))
        if config.has_secrets(cfg) and config.readable_by_others(cfg.path):
            text = _("{path} holds secrets and is readable by others; run: chmod 600 {path}")
            err.print(f"[yellow]{_('warning')}:[/] {escape(text.format(path=cfg.path))}", highlight=False)
        return cfg

    @property
    def store(self) -> Store:
        if self._store is None:
            try:
                self._store = Store(self.cfg.database)
            except MissingDatabaseError as exc:
                text = _("{error}; create it with: smsremind --config {path} init")
                raise SmsRemindError(text.format(error=exc, path=self.cfg.path)) from None
        return self._store

    def database_path(self) -> Path:
        """For error lines: the database of the config, if it could be read."""
        try:
            return self.cfg.database
        except SmsRemindError:
            return Path("database")

    @cached_property
    def now(self) -> datetime:
        return clock.current(self.cfg.timezone, self.now_text)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


pass_app = click.make_pass_decorator(App)


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--json: print one JSON document on stdout and nothing else there."""
    return click.option("--json", "as_json", is_flag=True, help=N_("Print one JSON document."))(fn)


def print_json(doc: Any) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2, default=str))


def exit_with(code: int) -> None:
    if code:
        click.get_current_context().exit(int(code))


# --- rendering


STATUS_STYLE = {
    "planned": "cyan",
    "due": "cyan",
    "sent": "green",
    "sending": "yellow",
    "held": "yellow",
    "skipped": "dim",
    "expired": "red",
    "failed": "red",
    "unknown": "red",
}


# Past this many rows, or when stdout is not a terminal, a listing is printed as plain aligned
# lines: a rich Table measures every cell several times (~1 s per 1,000 rows), and cron mail
# or a pipe shows no colours anyway.
RICH_ROWS = 200
PRACTICE_WIDTH = 18
Answers = list[dict[str, str]] | None  # with replies on: per message, appointment id -> answer


def _columns(messages: list[Planned], answers: Answers) -> list[str]:
    multi = len({m.practice for m in messages}) > 1
    names = ["#", "Send at", "Kind", "To", *(["Practice"] if multi else []), "Visits", "Status", "Parts"]
    return names + (["Answer"] if answers is not None else [])


def _cells(n: int, m: Planned, multi: bool, answers: Answers) -> tuple[list[str], str, str]:
    """(cells but the status, the status word, its reason) of one listed message; the status
    goes before the last two cells (parts, and the answer with replies on)."""
    m.composed()
    practice = [m.practice] if multi else []
    head = [str(n), clock.fmt_local(m.send_at), m.kind, mask(m.to), *practice, ", ".join(m.appointment_ids)]
    tail = [f"{m.parts} {m.encoding}", *([answer_cell(answers[n - 1])] if answers is not None else [])]
    status = "planned" if m.status == "due" else m.status
    return [*head, *tail], status, mask_numbers(m.reason) if m.reason else ""


def messages_table(messages: list[Planned], title: str | None = None, answers: Answers = None) -> Table:
    """One row per message; the texts follow in :func:`print_messages`, keyed by ``#``.

    ``answers`` (with replies on): per message, appointment id -> the patient's answer.
    """
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    names = _columns(messages, answers)
    multi = "Practice" in names
    tail = 2 if answers is not None else 1
    for name in names:
        wide = {"Practice": 18}
        table.add_column(
            name,
            no_wrap=name != "Visits",
            max_width=wide.get(name),
            overflow="ellipsis" if name == "Practice" else "fold",
        )
    for n, m in enumerate(messages, 1):
        cells, status, reason = _cells(n, m, multi, answers)
        shown = f"[{STATUS_STYLE.get(status, '')}]{status}[/]" + (f" ({escape(reason)})" if reason else "")
        table.add_row(*cells[:-tail], shown, *cells[-tail:])
    return table


def plain_lines(messages: list[Planned], title: str | None = None, answers: Answers = None) -> list[str]:
    """The same listing as :func:`messages_table`, as plain lines aligned with spaces."""
    names = _columns(messages, answers)
    multi = "Practice" in names
    tail = 2 if answers is not None else 1
    rows = []
    for n, m in enumerate(messages, 1):
        cells, status, reason = _cells(n, m, multi, answers)
        if multi and len(cells[4]) > PRACTICE_WIDTH:
            cells[4] = cells[4][: PRACTICE_WIDTH - 1] + "…"
        rows.append([*cells[:-tail], status + (f" ({reason})" if reason else ""), *cells[-tail:]])
    widths = [max(len(name), *(len(r[i]) for r in rows)) for i, name in enumerate(names)]
    widths[-1] = 0  # the last column is not padded

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    head = [title] if title else []
    return [*head, line(names), line(["-" * max(w, len(n)) for w, n in zip(widths, names, strict=True)])] + [
        line(r) for r in rows
    ]


def mask_numbers(text: str) -> str:
    """Gateways quote phone numbers in their error texts; people see them masked."""
    return mask_text(text)


def answer_cell(answers: dict[str, str]) -> str:
    """One answer for the whole message, or each visit's when a family answered differently."""
    if len(set(answers.values())) <= 1:
        return next(iter(answers.values()), "")
    return "; ".join(f"{ext}: {state}" for ext, state in answers.items())


def print_messages(
    messages: list[Planned],
    title: str | None = None,
    texts: bool = True,
    answers: Answers = None,
    limit: int | None = None,
) -> None:
    """A listing of messages; with ``limit``, the first ``limit`` and how many more there are."""
    more = len(messages) - limit if limit is not None and len(messages) > limit else 0
    shown = messages[: len(messages) - more]
    if out.is_terminal and len(shown) <= RICH_ROWS:
        out.print(messages_table(shown, title, answers))
        if texts:
            for n, m in enumerate(shown, 1):
                out.print(f"[dim]{n:>3}[/] {escape(m.text)}", highlight=False)
    else:
        lines = plain_lines(shown, title, answers)
        if texts:
            lines += [f"{n:>3} {m.text}" for n, m in enumerate(shown, 1)]
        click.echo("\n".join(lines))
    if more:
        click.echo(f"... and {more} more (--json lists them all)")
