"""gateway check: verify the gateway's credentials without sending (issue 5)."""

from __future__ import annotations

from smsremind.cli.app import App, out, pass_app
from smsremind.cli.root import cli
from smsremind.sending import gateways


@cli.group()
def gateway() -> None:
    """The SMS gateway of `[gateway] provider`.

    \b
    Example:
      smsremind gateway check
    """


@gateway.command("check")
@pass_app
def gateway_check(app: App) -> None:
    """Check credentials and reachability without sending anything.

    \b
    Example:
      smsremind gateway check
    """
    gw = gateways.make(app.cfg)
    try:
        out.print(gw.check(), highlight=False)
    finally:
        gw.close()
