"""The one error hierarchy of smsremind.

Core modules raise these; only the CLI boundary turns them into one line on
stderr and the exit code of SPEC §9.  Nothing else calls ``sys.exit``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of SPEC §9."""

    OK = 0
    ERROR = 1
    USAGE = 2
    PARTIAL = 3


class SmsRemindError(Exception):
    """Base class: a problem the user can act on, reported as one line."""

    exit_code = ExitCode.ERROR


class ConfigError(SmsRemindError):
    """The config file is missing, unreadable or has a bad key or value."""


class ImportFileError(SmsRemindError):
    """The input is not a usable appointments file; nothing was changed."""


class NotFoundError(SmsRemindError):
    """A named appointment, template, payment or phone number does not exist."""


class InvalidInputError(SmsRemindError):
    """A command-line value is malformed (a date, a phone number, a template)."""

    exit_code = ExitCode.USAGE


class GatewayError(SmsRemindError):
    """The SMS gateway refuses to work for us (credentials, credit, config)."""


class PaymentError(SmsRemindError):
    """Przelewy24 refused a request or could not be reached."""


class MailError(SmsRemindError):
    """An e-mail could not be delivered to SMTP or written to the Maildir."""
