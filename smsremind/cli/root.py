"""The root command group and global options; the commands add themselves to it."""

from __future__ import annotations

import click

from smsremind import __version__
from smsremind.cli import logs
from smsremind.cli.app import App, Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    envvar="SMSREMIND_CONFIG",
    help="Config file (default: $SMSREMIND_CONFIG, else ./smsremind.toml).",
)
@click.option(
    "--now",
    "now_text",
    metavar="DATETIME",
    envvar="SMSREMIND_NOW",
    help='Pretend it is this local time, "YYYY-MM-DD HH:MM" (env SMSREMIND_NOW).',
)
@click.option("-v", "--verbose", count=True, help="Mirror the log on stderr (-vv: debug, HTTP calls).")
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors (for cron).")
@click.version_option(__version__, prog_name="smsremind")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, now_text: str | None, verbose: int, quiet: bool) -> None:
    """Send SMS appointment reminders for a medical or dental practice.

    \b
    Typical crontab line (every 5 minutes; cron mails only what needs a human):
      */5 * * * * cd /srv/gabinet && smsremind -q import export.csv --full; smsremind -q run
    """
    logs.setup(verbose)
    app = App(config_path, now_text, quiet)
    ctx.obj = app
    ctx.call_on_close(app.close)


def main() -> None:
    cli(prog_name="smsremind")
