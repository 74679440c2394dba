"""E-mail to the practice administrator: SMTP when `[email] host` is set, else a Maildir.

The Maildir beside the database is the embedded default (SPEC §7): nothing is
lost and every message can be read with any mail client (`mutt -f mail/`).
Messages can carry health-adjacent data (practice names, purchase details), so
the Maildir is created 0700 and each message 0600.
"""

from __future__ import annotations

import mailbox
import os
import smtplib
import ssl
import stat
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from smsremind.config import Config, pseudo_path
from smsremind.errors import MailError
from smsremind.i18n import _


@dataclass
class Mail:
    to: str
    subject: str
    body: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)  # (filename, data, mime type)
    sender: str = ""  # From; "" = [email] from


def build(cfg: Config, mail: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail.sender or cfg.email.from_
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="smsremind")
    msg.set_content(mail.body)
    for filename, data, mime in mail.attachments:
        maintype, _slash, subtype = mime.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def send(cfg: Config, mail: Mail) -> str:
    """Deliver ``mail``; returns where it went, raises MailError with one clear line."""
    msg = build(cfg, mail)
    if cfg.email.host:
        return _smtp(cfg, msg)
    return _maildir(cfg, msg)


def _smtp(cfg: Config, msg: EmailMessage) -> str:
    e = cfg.email
    try:
        if e.security == "tls":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                e.host, e.port, timeout=e.timeout, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(e.host, e.port, timeout=e.timeout)
        with server:
            if e.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if e.user:
                server.login(e.user, e.password)
            server.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        text = _("e-mail to {to} via {host}:{port} failed: {error}")
        raise MailError(text.format(to=msg["To"], host=e.host, port=e.port, error=exc)) from None
    return f"smtp://{e.host}:{e.port}"


def _safe_maildir(path: Path) -> None:
    """Mail names patients' practices and purchases: never into someone else's or a linked folder."""
    if pseudo_path(path):
        raise MailError(_("cannot write mail into {path}: not a folder for mail").format(path=path))
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return  # mailbox creates it under our umask 077
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        text = _("cannot write mail into {path}: not a folder (a symbolic link?); give the real path")
        raise MailError(text.format(path=path))
    if st.st_uid != os.geteuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        text = _("cannot write mail into {path}: it belongs to another user or others can write it")
        raise MailError(text.format(path=path))


def _maildir(cfg: Config, msg: EmailMessage) -> str:
    path = cfg.email.maildir
    _safe_maildir(path)
    old = os.umask(0o077)
    try:
        box = mailbox.Maildir(path, create=True)
        key = box.add(msg)
    except OSError as exc:
        text = _("cannot write mail into {path}: {error}")
        raise MailError(text.format(path=path, error=exc.strerror or exc)) from None
    finally:
        os.umask(old)
    return str(path / "new" / key)
