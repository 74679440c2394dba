"""SMS gateways, one module per API; :func:`make` picks the configured one."""

from __future__ import annotations

from smsremind.config import Config
from smsremind.gateways.base import Gateway, Outcome, Result, Sms

__all__ = ["Gateway", "Outcome", "Result", "Sms", "make"]


def make(cfg: Config) -> Gateway:
    from smsremind.gateways.outbox import OutboxGateway

    provider = cfg.gateway.provider
    if provider == "outbox":
        return OutboxGateway(cfg.gateway.outbox)
    from smsremind.errors import ConfigError

    raise ConfigError(f'{cfg.path}: [gateway] provider = "{provider}": not available in this build')
