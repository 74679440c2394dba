"""SMS gateways, one module per API; :func:`make` picks the configured one."""

from __future__ import annotations

from smsremind.config import Config
from smsremind.sending.gateways.base import Delivery, Gateway, Outcome, Result, Sms

__all__ = ["Delivery", "Gateway", "Outcome", "Result", "Sms", "make"]


def make(cfg: Config) -> Gateway:
    provider = cfg.gateway.provider
    if provider == "smsapi":
        from smsremind.sending.gateways.smsapi import SmsapiGateway

        return SmsapiGateway(cfg.gateway)
    if provider == "smsbrana":
        from smsremind.sending.gateways.smsbrana import SmsbranaGateway

        return SmsbranaGateway(cfg.gateway)
    if provider == "twilio":
        from smsremind.sending.gateways.twilio import TwilioGateway

        return TwilioGateway(cfg.gateway)
    from smsremind.sending.gateways.outbox import OutboxGateway

    return OutboxGateway(cfg.gateway.outbox)
