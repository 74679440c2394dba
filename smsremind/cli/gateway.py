"""gateway check: verify the gateway's credentials without sending (issue 5)."""

from __future__ import annotations

from smsremind.cli.app import App, out, pass_app
from smsremind.cli.root import cli
from smsremind.i18n import N_
from smsremind.sending import gateways

GATEWAY_HELP = N_("""The SMS gateway of `[gateway] provider`.

\b
Example:
  smsremind gateway check""")
CHECK_HELP = N_("""Check credentials and reachability without sending anything.

\b
Example:
  smsremind gateway check""")


@cli.group(help=GATEWAY_HELP)
def gateway() -> None:
    """The SMS gateway of `[gateway] provider`."""


@gateway.command("check", help=CHECK_HELP)
@pass_app
def gateway_check(app: App) -> None:
    """Check credentials and reachability without sending anything."""
    gw = gateways.make(app.cfg)
    try:
        out.print(gw.check(), highlight=False)
    finally:
        gw.close()
