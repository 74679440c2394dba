"""The root command group and global options; the commands add themselves to it."""

from __future__ import annotations

import click

from smsremind import __version__
from smsremind.cli.app import App, Group, setup_logging


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
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.version_option(__version__, prog_name="smsremind")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, now_text: str | None, verbose: int) -> None:
    """Send SMS appointment reminders for a medical or dental practice.

    \b
    Typical crontab line (every 5 minutes):
      */5 * * * * cd /srv/gabinet && smsremind import export.csv --full; smsremind run
    """
    setup_logging(verbose)
    app = App(config_path, now_text)
    ctx.obj = app
    ctx.call_on_close(app.close)


def main() -> None:
    cli(prog_name="smsremind")
