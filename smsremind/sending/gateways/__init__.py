"""SMS gateways, one module per API; :func:`make` picks the configured one."""

from __future__ import annotations

from smsremind.config import Config
from smsremind.errors import ConfigError
from smsremind.i18n import _
from smsremind.sending.gateways.base import Delivery, Gateway, Outcome, Result, Sms

__all__ = ["Delivery", "Gateway", "Outcome", "Result", "Sms", "make"]


def make(cfg: Config) -> Gateway:
    provider = cfg.gateway.provider
    if cfg.replies.enabled:
        check_can_receive(cfg)
    if provider == "smsapi":
        from smsremind.sending.gateways.smsapi import SmsapiGateway

        return SmsapiGateway(cfg.gateway)
    if provider == "smsbrana":
        from smsremind.sending.gateways.smsbrana import SmsbranaGateway

        return SmsbranaGateway(cfg.gateway, keep_inbox=cfg.replies.enabled)
    if provider == "serwersms":
        from smsremind.sending.gateways.serwersms import SerwersmsGateway

        return SerwersmsGateway(cfg.gateway)
    if provider == "twilio":
        from smsremind.sending.gateways.twilio import TwilioGateway

        senders = {cfg.gateway.sender, *(p.sender for p in cfg.practices.values() if p.sender)}
        return TwilioGateway(cfg.gateway, tuple(sorted(n for n in senders if n.startswith("+"))))
    from smsremind.sending.gateways.outbox import OutboxGateway

    return OutboxGateway(cfg.gateway.outbox)


def check_can_receive(cfg: Config) -> None:
    """With replies on, a real gateway must send from something patients can answer.

    An alphanumeric sender name ("Gabinet") is not a number: a phone cannot
    reply to it.  SMSbrána answers come to its system number, which it uses
    unless ``sender_id`` names one of the account's own authorised numbers
    (answers then go to that phone, not to SMSbrána's inbox); Twilio's Messaging Service picks
    numbers from its pool; SerwerSMS answers reach us for SMS ECO+ (no sender)
    and its ``2waySMS`` sender.  The outbox (demo, tests) takes any sender.
    """
    g = cfg.gateway
    if g.provider == "outbox" or (g.provider == "twilio" and g.messaging_service_sid):
        return
    if g.provider == "smsbrana":
        if g.sender_id:
            text = _(
                '{path}: [replies] enabled = true needs [gateway] sender_id = "" with SMSbrána: '
                "patients' answers reach SMSbrána's inbox only from its system number, not from "
                "an authorised number of your own"
            )
            raise ConfigError(text.format(path=cfg.path))
        return
    names = {"[gateway] sender": g.sender} | {
        f'[practices."{name}"] sender': p.sender for name, p in cfg.practices.items() if p.sender
    }
    for key, sender in names.items():
        if g.provider == "serwersms" and sender in ("", "2waySMS"):
            continue  # "" = SMS ECO+ (answers linked to the message); "2waySMS" = a number
        if not _is_number(sender):
            text = _(
                '{path}: [replies] enabled = true, but {key} = "{sender}" is a name patients '
                "cannot answer; use a phone number the gateway receives on (e.g. +48500100200)"
            )
            raise ConfigError(text.format(path=cfg.path, key=key, sender=sender))


def _is_number(sender: str) -> bool:
    digits = sender.removeprefix("+")
    return sender.startswith("+") and digits.isdigit() and 8 <= len(digits) <= 15
