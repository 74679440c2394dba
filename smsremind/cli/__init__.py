"""The `smsremind` command line: parse, load config, call the core, render.

:mod:`.root` holds the group and the global options; each other module adds
its commands to it when imported, which this package does below. Nothing in
the core imports click.
"""

from smsremind.cli import commands, explain, gateway, ops, optout, quota, replies, templates  # noqa: F401  (they register)
from smsremind.cli.root import cli, main

__all__ = ["cli", "main"]
