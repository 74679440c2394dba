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
import textwrap
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
from rich.text import Text

from smsremind import clock, config, i18n
from smsremind.cli import logs
from smsremind.errors import ExitCode, SmsRemindError
from smsremind.i18n import N_, _, ngettext
from smsremind.intake.phones import mask, mask_text
from smsremind.rules import reasons
from smsremind.rules.messages import Planned
from smsremind.storage.store import MissingDatabaseError, Store, explain_error


class Output(Console):
    """rich's Console, minus the trailing spaces it pads table lines with when not on a terminal.

    Cron mail and pipes get 80 columns (rich's default there) and no padding at the line ends.
    """

    def print(self, *objects: Any, **options: Any) -> None:
        """Text lines are never broken (paths, URLs, one-line errors); tables fit the width."""
        if all(isinstance(o, str) for o in objects):
            options.setdefault("soft_wrap", True)
        super().print(*objects, **options)

    def _render_buffer(self, buffer: Any) -> str:
        text = super()._render_buffer(buffer)
        if self.is_terminal:
            return text
        return "\n".join(line.rstrip() for line in text.split("\n"))


out = Output()
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
            err.print(Text.assemble((_("warning") + ":", "yellow"), " ", text.format(path=cfg.path)))
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
# The words people read for the states and kinds of messages (JSON keeps the codes).
STATUS_WORDS = {
    "planned": N_("planned"),
    "due": N_("planned"),
    "sent": N_("sent"),
    "sending": N_("sending"),
    "held": N_("held"),
    "skipped": N_("skipped"),
    "expired": N_("expired"),
    "failed": N_("failed"),
    "unknown": N_("unknown"),
}
KIND_WORDS = {
    "reminder": N_("reminder"),
    "confirmation": N_("confirmation"),
    "reschedule": N_("reschedule"),
    "cancellation": N_("cancellation"),
}
HEADINGS = {
    "#": "#",
    "send": N_("Send at"),
    "kind": N_("Kind"),
    "to": N_("To"),
    "practice": N_("Practice"),
    "visits": N_("Visits"),
    "status": N_("Status"),
    "parts": N_("Parts"),
    "answer": N_("Answer"),
}
# Past this many rows, or when stdout is not a terminal, a listing is printed as plain aligned
# lines: a rich Table measures every cell several times (~1 s per 1,000 rows), and cron mail
# or a pipe shows no colours anyway.
RICH_ROWS = 200
PRACTICE_WIDTH = 14
# Too wide for the screen: these columns wrap, the first listed first, down to their minimum;
# the send time, the number and the parts never wrap, and the status with its reason comes last.
SQUEEZE = (("visits", 6), ("answer", 12), ("practice", 8), ("status", 14))
Answers = list[dict[str, str]] | None  # with replies on: per message, appointment id -> answer


def word(table: dict[str, str], code: str) -> str:
    """The word people read for ``code`` (a status or kind), the code itself when unknown."""
    return _(table[code]) if code in table else code


def _columns(multi: bool, answered: bool) -> list[str]:
    keys = ["#", "send", "kind", "to", *(["practice"] if multi else []), "visits", "status", "parts"]
    return keys + (["answer"] if answered else [])


def _cells(n: int, m: Planned, one_day: bool, answers: Answers) -> dict[str, str]:
    """The cells of one listed message by column key; "status" carries its reason in brackets."""
    m.composed()
    status = word(STATUS_WORDS, m.status)
    reason = mask_numbers(reasons.describe(m.reason)) if m.reason else ""
    practice = m.practice if len(m.practice) <= PRACTICE_WIDTH else m.practice[: PRACTICE_WIDTH - 1] + "…"
    return {
        "#": str(n),
        "send": m.send_at.strftime("%H:%M") if one_day else clock.fmt_local(m.send_at),
        "kind": word(KIND_WORDS, m.kind),
        "to": mask(m.to, m.phone.e164 is not None),
        "practice": practice,
        "visits": ", ".join(m.appointment_ids),
        "status": status + (f" ({reason})" if reason else ""),
        "parts": f"{m.parts} {m.encoding}",
        "answer": answer_cell(answers[n - 1]) if answers is not None else "",
    }


def _layout(
    messages: list[Planned], answers: Answers, room: int
) -> tuple[list[str], list[dict[str, str]], dict[str, int]]:
    """The columns to show, the rows' cells and the columns' widths fitted into ``room``.

    All on one date: the time alone (the date is in the title). The answer column appears once a
    patient has answered. When the row is too wide for the status and its reason on one line,
    these give way in turn: the practice column (the texts name the practice), the encoding
    beside the parts, the kind when every message is of one kind (the texts say it); then the
    long cells wrap, the visit ids first and the status last.
    """
    one_day = len({m.send_at.date() for m in messages}) == 1
    rows = [_cells(n, m, one_day, answers) for n, m in enumerate(messages, 1)]
    answered = any(r["answer"] for r in rows)
    drops = [(), ("practice",), ("practice", "encoding")]
    if len({m.kind for m in messages}) == 1:
        drops.append(("practice", "encoding", "kind"))
    if len({m.practice for m in messages}) == 1:
        drops = [d for d in drops if "practice" in d]
    for drop in drops:
        keys = [k for k in _columns(True, answered) if k not in drop]
        names = {k: heading(k) for k in keys}
        parts = [r["parts"].split()[0] if "encoding" in drop else r["parts"] for r in rows]
        natural = {k: max(len(names[k]), *(len(r[k]) for r in rows)) for k in keys}
        natural["parts"] = max(len(names["parts"]), *map(len, parts))
        fitted = _fit(natural, {k: len(names[k]) for k in keys}, room)
        fits = sum(fitted.values()) + 2 * (len(keys) - 1) <= room
        if fits and fitted["status"] >= natural["status"]:  # the reason whole, on one line
            break
    for row, shown in zip(rows, parts, strict=True):
        row["parts"] = shown
        if "practice" in fitted and len(row["practice"]) > fitted["practice"]:  # a name is cut, not wrapped
            row["practice"] = row["practice"][: fitted["practice"] - 1] + "…"
    return keys, rows, fitted


def heading(key: str) -> str:
    return _(HEADINGS[key]) if key != "#" else "#"


def messages_table(messages: list[Planned], title: str | None = None, answers: Answers = None) -> Table:
    """One row per message; the texts follow in :func:`print_messages`, keyed by ``#``."""
    # the same widths as the plain lines: two spaces between columns (right padding + separator)
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0)
    )
    keys, rows, widths = _layout(messages, answers, out.width - 1)  # - the last column's padding
    for key in keys:
        table.add_column(
            heading(key),
            width=widths[key],
            no_wrap=key not in dict(SQUEEZE) or key == "practice",
            overflow="fold",
        )
    for m, cells in zip(messages, rows, strict=True):
        style = STATUS_STYLE.get(m.status, "")
        status = f"[{style}]{escape(cells['status'])}[/]" if style else escape(cells["status"])
        table.add_row(*(status if k == "status" else escape(cells[k]) for k in keys))
    return table


def _fit(widths: dict[str, int], headings: dict[str, int], room: int) -> dict[str, int]:
    """Narrow the wrappable columns (in SQUEEZE order) until the row fits ``room`` columns;
    a column never gets narrower than its heading, which does not wrap."""
    fitted = dict(widths)
    for key, least in SQUEEZE:
        over = sum(fitted.values()) + 2 * (len(fitted) - 1) - room
        if over <= 0:
            break
        floor = max(least, headings.get(key, 0))
        if key in fitted and fitted[key] > floor:
            fitted[key] = max(floor, fitted[key] - over)
    return fitted


def _wrapped(cells: list[str], widths: list[int]) -> list[str]:
    """One row as one or more lines: a cell wider than its column wraps onto the next lines."""
    pieces = [
        (textwrap.wrap(c, w, break_on_hyphens=False) or [""]) if len(c) > w else [c]
        for c, w in zip(cells, widths, strict=True)
    ]
    lines = []
    for i in range(max(len(p) for p in pieces)):
        parts = [(p[i] if i < len(p) else "").ljust(w) for p, w in zip(pieces, widths, strict=True)]
        lines.append("  ".join(parts).rstrip())
    return lines


def plain_lines(
    messages: list[Planned], title: str | None = None, answers: Answers = None, room: int | None = None
) -> list[str]:
    """The same listing as :func:`messages_table`, as plain lines aligned with spaces, fitted
    into ``room`` columns (the screen's, 80 in a pipe or cron mail) by wrapping the long cells."""
    keys, rows, fitted = _layout(messages, answers, room or out.width)
    widths = [fitted[k] for k in keys]
    head = [title] if title else []
    lines = [*head, *_wrapped([heading(k) for k in keys], widths), "  ".join("-" * w for w in widths)]
    for row in rows:
        lines += _wrapped([row[k] for k in keys], widths)
    return lines


def text_lines(messages: list[Planned], room: int) -> list[str]:
    """Each message's text under its number, wrapped to ``room`` columns under the text's start."""
    lines = []
    for n, m in enumerate(messages, 1):
        lines += textwrap.wrap(m.text, room, initial_indent=f"{n:>3} ", subsequent_indent="    ") or [
            f"{n:>3}"
        ]
    return lines


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
            for line in text_lines(shown, out.width):
                out.print(escape(line), highlight=False, style="default")
    else:
        lines = plain_lines(shown, title, answers)
        if texts:
            lines += text_lines(shown, out.width)
        click.echo("\n".join(lines))
    if more:
        text = ngettext(
            "... and {n} more (--json lists them all)", "... and {n} more (--json lists them all)", more
        )
        click.echo(text.format(n=i18n.number(more)))
