"""The root command group and global options; the commands add themselves to it."""

from __future__ import annotations

import sys

import click

from smsremind import __version__, i18n
from smsremind.cli import lang, logs
from smsremind.cli.app import App, Group
from smsremind.i18n import N_

HELP = N_("""Send SMS appointment reminders for a medical or dental practice.

\b
Typical crontab line (every 5 minutes; cron mails only what needs a human):
  */5 * * * * cd /srv/gabinet && smsremind -q import export.csv --full; smsremind -q run""")


@click.group(cls=Group, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    envvar="SMSREMIND_CONFIG",
    help=N_("Config file (default: $SMSREMIND_CONFIG, else ./smsremind.toml)."),
)
@click.option(
    "--now",
    "now_text",
    metavar="DATETIME",
    envvar="SMSREMIND_NOW",
    help=N_('Pretend it is this local time, "YYYY-MM-DD HH:MM" (env SMSREMIND_NOW).'),
)
@click.option("-v", "--verbose", count=True, help=N_("Mirror the log on stderr (-vv: debug, HTTP calls)."))
@click.option("-q", "--quiet", is_flag=True, help=N_("Print only warnings and errors (for cron)."))
@click.version_option(__version__, prog_name="smsremind", help=N_("Show the version and exit."))
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, now_text: str | None, verbose: int, quiet: bool) -> None:
    """The root group: logging, the language and the App every command receives."""
    logs.setup(verbose)
    lang.apply(i18n.early(config_path), ctx.find_root().command)
    app = App(config_path, now_text, quiet)
    ctx.obj = app
    ctx.call_on_close(app.close)


def main() -> None:
    # before click parses: `smsremind --help` is answered before any callback runs
    lang.apply(i18n.early(i18n.config_from_argv(sys.argv[1:])), cli)
    cli(prog_name="smsremind")
