"""SMSbrána.cz (Czech Republic): SMS Connect HTTP API, XML answers.

Every call is a GET of ``http.php`` with all parameters in the query string
(RFC 3986 encoding), as SMSbrána's own PHP client ``smsbrana/sms-connect``
sends ``send_sms``, ``inbox`` and ``credit_info``; no source shows a POST
being accepted for them.

Authentication is the documented "advanced login", with the parameters of
that official client: ``login``, ``sul`` (a random salt), ``time`` (ISO 8601
with its offset, the real clock in Prague, also when a run replays another
`--now`) and ``hash = md5(password + time + sul)``, so the password never
travels.

``send_sms``: ``number`` in the international form with ``+`` (the
documentation takes ``+420736339339``); ``data_code=ucs2`` whenever the text
is not GSM-7, else ``7bit`` (the service's default is 7bit, which garbles
háčky and čárky); ``sender_id`` is the id of an authorised sender number from
the SMSbrána admin, never a name.

Delivery reports are pulled with ``action=inbox&delete=1``: the service hands
over every new report once, so :meth:`delivery_reports` returns the whole
batch and the caller stores all of it.  The same inbox holds patients'
answers (``delivery_sms``), and ``delete=1`` empties all of it, so with
``[replies] enabled`` the inbox is read *without* deleting (answers are
stored once however often they are read, reports are idempotent), both
lists come from that one read, and only an inbox of :data:`INBOX_FULL`
items or more is emptied, after the read's answers are stored, by a
``delete=1`` call whose own answer is processed too.  Exactly once: our message id goes out as
``user_id``; a repeated user_id is refused with error -1, which therefore
means "already accepted", and makes uncertain outcomes safe to retry (the
documentation states no time limit for it).
"""

from __future__ import annotations

import hashlib
import secrets
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from smsremind.config import Gateway as GatewayConfig
from smsremind.errors import ConfigError, GatewayError
from smsremind.i18n import N_, _
from smsremind.replies.inbox import Incoming
from smsremind.sending.gateways.base import Delivery, Gateway, Outcome, Result, Sms
from smsremind.sending.gateways.http import send, session
from smsremind.texts.sms_text import is_gsm7

URL = "https://api.smsbrana.cz/smsconnect/http.php"
PRAGUE = ZoneInfo("Europe/Prague")
INBOX_TIME = "%Y%m%dT%H%M%S"  # Prague local time
INBOX_FULL = 100  # items; an inbox this full is emptied once its answers are stored
DUPLICATE = -1
FATAL = {  # code -> (what happened, what to do): said to people, in their language
    2: (N_("invalid login"), N_("check [gateway] login")),
    3: (N_("invalid hash or password"), N_("check [gateway] password")),
    4: (N_("the clock differs too much from SMSbrána's"), N_("synchronise this machine's clock (NTP)")),
    5: (N_("this IP address is not allowed"), N_("allow it in the SMS Connect settings")),
    6: (N_("invalid action"), N_("report this as a bug in smsremind")),
    9: (N_("not enough credit"), N_("top up the SMSbrána account")),
}
# stored as reasons in these words (English, like the gateways' own answers)
TRANSIENT = {1: "unknown error", 7: "salt already used today", 8: "no database connection"}
REJECTED = {10: "invalid number", 11: "empty message", 12: "message too long"}
# inbox delivery status -> (word, final, failed)
DELIVERY = {
    0: ("unknown", False, False),
    1: ("delivered", True, False),
    2: ("stored", False, False),
    3: ("undelivered", True, True),
    5: ("expired", True, True),
}


class SmsbranaGateway(Gateway):
    name = "smsbrana"
    idempotent = True

    def __init__(self, cfg: GatewayConfig, keep_inbox: bool = False):
        if not cfg.login or not cfg.password:
            raise ConfigError(
                _('[gateway] provider = "smsbrana" needs login and password (or SMSREMIND_SMSBRANA_PASSWORD)')
            )
        self.cfg = cfg
        self.url = f"{cfg.base_url.rstrip('/')}/smsconnect/http.php" if cfg.base_url else URL
        self.http = session(cfg.workers)
        self.keep_inbox = keep_inbox  # replies on: never delete what was not stored
        self.receives = keep_inbox
        self._inboxes: list[ET.Element] | None = None  # this run's inbox answers

    def _auth(self) -> dict[str, str]:
        stamp = datetime.now(PRAGUE).isoformat(timespec="seconds")
        salt = secrets.token_hex(8)
        return {
            "login": self.cfg.login,
            "sul": salt,
            "time": stamp,
            "hash": auth_hash(self.cfg.password, stamp, salt),
        }

    def _call(self, action: str, **params: str) -> Result | ET.Element:
        query = urlencode({"action": action, **self._auth(), **params}, quote_via=quote)
        response = send(self.http, "GET", f"{self.url}?{query}", self.cfg.timeout, "SMSbrána")
        if isinstance(response, Result):
            return response
        try:
            root = ET.fromstring(response.content)
            int(root.findtext("err", ""))
        except (ET.ParseError, ValueError):
            return Result(Outcome.UNKNOWN, reason=f"unreadable answer (HTTP {response.status_code})")
        return root

    def send(self, sms: Sms, now: datetime, resend: bool = False) -> Result:
        root = self._call(
            "send_sms",
            number=sms.to,
            message=sms.text,
            data_code="7bit" if is_gsm7(sms.text) else "ucs2",
            user_id=sms.key,
            delivery_report="1",
            **({"sender_id": self.cfg.sender_id} if self.cfg.sender_id else {}),
        )
        if isinstance(root, Result):
            return root
        code = int(root.findtext("err", "1"))
        if code == 0:
            count = root.findtext("sms_count")
            return Result(
                Outcome.ACCEPTED,
                gateway_id=root.findtext("sms_id"),
                parts=int(count) if count and count.isdigit() else sms.parts,
            )
        if code == DUPLICATE:  # an earlier attempt with this user_id got through
            return Result(Outcome.ACCEPTED, parts=sms.parts, reason="already accepted (user_id)")
        return _error(code)

    def check(self) -> str:
        root = self._call("credit_info")
        if isinstance(root, Result):
            text = _("SMSbrána did not answer at {url}: {reason}")
            raise GatewayError(text.format(url=self.url, reason=root.reason))
        code = int(root.findtext("err", "1"))
        if code:
            what = _(FATAL[code][0]) if code in FATAL else TRANSIENT.get(code, _("error"))
            raise GatewayError(_("SMSbrána {code}: {what}").format(code=code, what=what))
        text = _("SMSbrána at {url}: login accepted, credit {credit}")
        return text.format(url=self.url, credit=root.findtext("credit"))

    def _inbox(self, delete: bool) -> ET.Element | None:
        root = self._call("inbox", **({"delete": "1"} if delete else {}))
        if isinstance(root, Result) or int(root.findtext("err", "1")):
            return None
        return root

    def replies(self, since: datetime) -> list[Incoming]:
        """Patients' SMS in this run's inbox answers (read first: the run stores them before reports)."""
        if self._inboxes is None:
            first = self._inbox(delete=False)
            self._inboxes = [first] if first is not None else []
        return [sms for root in self._inboxes for sms in _incoming(root)]

    def forget_replies(self) -> list[Incoming]:
        """Empty a full inbox (its answers are stored by now); what came meanwhile is returned."""
        if not self._inboxes or len(self._inboxes[0].findall("inbox/*/item")) < INBOX_FULL:
            return []
        emptied = self._inbox(delete=True)
        if emptied is None:
            return []
        self._inboxes.append(emptied)  # its reports go to delivery_reports() too
        return _incoming(emptied)

    def delivery_reports(self) -> dict[str, Delivery] | None:
        """Every report the service has not handed over yet.

        Without replies the inbox is emptied as it is read; with replies the
        answers :meth:`replies` already read (and stored) are used.
        """
        if self._inboxes is None:
            root = self._inbox(delete=not self.keep_inbox)
            self._inboxes = [root] if root is not None else []
        if not self._inboxes:
            return None
        reports = {}
        for root in self._inboxes:
            for item in root.findall("inbox/delivery_report/item"):
                gateway_id, status = item.findtext("idsms"), item.findtext("status", "0")
                if gateway_id and status.isdigit():
                    word, final, failed = DELIVERY.get(int(status), ("unknown", False, False))
                    reports[gateway_id] = Delivery(word, final=final, failed=failed)
        return reports

    def close(self) -> None:
        self.http.close()


def _incoming(root: ET.Element) -> list[Incoming]:
    found = []
    for item in root.findall("inbox/delivery_sms/item"):
        number, text = (item.findtext("number") or "").strip(), item.findtext("message") or ""
        try:
            at = datetime.strptime((item.findtext("time") or "").strip(), INBOX_TIME).replace(tzinfo=PRAGUE)
        except ValueError:
            continue  # an empty <item/> (the PHP clients skip those too)
        if number:
            found.append(Incoming(number, text, at))
    return found


def auth_hash(password: str, stamp: str, salt: str) -> str:
    """The advanced login's digest: md5(password + time + sul), lowercase hex."""
    return hashlib.md5((password + stamp + salt).encode("utf-8")).hexdigest()


def _error(code: int) -> Result:
    if code in FATAL:
        what, todo = FATAL[code]
        text = _("SMSbrána {code}: {what}; {todo}")
        raise GatewayError(text.format(code=code, what=_(what), todo=_(todo)))
    if code in TRANSIENT:
        return Result(Outcome.TRANSIENT, reason=f"SMSbrána {code}: {TRANSIENT[code]}")
    return Result(Outcome.REJECTED, reason=f"SMSbrána {code}: {REJECTED.get(code, 'refused')}")
