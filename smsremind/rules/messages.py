"""The planner's vocabulary: visits as read from the store, planned messages, texts.

A :class:`Planned` is one SMS (or the reason it is not sent) for one phone:
a group of reminders, or one notice.  The same object is shown by `preview`,
acted on by `run` and printed as the JSON of SPEC §9.

Message states: ``sending/sent/failed/unknown`` mean a send was attempted
and the visits it covers are never planned again (:data:`ATTEMPTED`);
``skipped/held/expired`` are outcomes recomputed on every run, kept in the
store so that `status`, `preview` and the next run can see them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from smsremind.clock import aware, fmt_local, from_store, to_store
from smsremind.config import Config
from smsremind.intake.phones import Phone, from_class_text, to_class_text
from smsremind.storage.store import Store
from smsremind.texts import sms_text, templates

ATTEMPTED = ("sending", "sent", "failed", "unknown")
SOFT = ("skipped", "held", "expired")

OPTED_OUT = "opted-out"
COVERED = "covered"
SEND_DAY_PASSED = "send-day-passed"
APPOINTMENT_PASSED = "appointment-passed"
QUOTA = "quota"


@dataclass
class Visit:
    """One appointment row, times converted to the practice's zone."""

    id: int
    practice: str
    ext_id: str
    start: datetime
    start_key: str  # stored UTC text of ``start``
    patient: str
    phone: str
    doctor: str
    status: str
    language: str | None
    booked_at: datetime
    changed_at: datetime
    told_status: str | None
    told_start_key: str | None
    phone_class: str | None = None  # stored by the first run that plans it (intake.phones)


_VISIT_COLUMNS = (
    "id, practice, ext_id, start, patient, phone, doctor, status, language, booked_at, changed_at, "
    "told_status, told_start, phone_class"
)


def load_visits(store: Store, tz: tzinfo, where: str, params: Any = ()) -> list[Visit]:
    """Appointments as Visits (plain tuples, not dict rows: a run reads a day's worth)."""
    rows = store.conn.execute(f"SELECT {_VISIT_COLUMNS} FROM appointments WHERE {where}", params)
    return [
        Visit(
            i,
            pr,
            ext,
            from_store(st, tz),
            st,
            pa,
            ph,
            doc,
            stat,
            lang,
            from_store(b, tz),
            from_store(ch, tz),
            ts,
            tst,
            pc,
        )
        for i, pr, ext, st, pa, ph, doc, stat, lang, b, ch, ts, tst, pc in rows
    ]


@dataclass
class Planned:
    kind: str
    practice: str
    phone: Phone
    visits: list[Visit]
    send_at: datetime
    status: str  # planned | due | sending | sent | failed | unknown | skipped | held | expired
    reason: str | None = None
    text: str = ""
    parts: int = 1
    encoding: str = sms_text.GSM7
    sender: str = ""
    about: datetime | None = None  # the visit time the text names
    message_id: int | None = None
    appointment_ids: list[str] = field(default_factory=list)
    starts: dict[int, str] = field(default_factory=dict)  # visit id -> start key the message is about
    gateway_id: str | None = None
    # Set by a plan that renders texts only when needed (a run): renders text, parts, encoding.
    compose_later: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.appointment_ids:
            self.appointment_ids = [v.ext_id for v in self.visits]
        if not self.starts:
            self.starts = {v.id: v.start_key for v in self.visits}

    @property
    def to(self) -> str:
        return self.phone.key

    def composed(self) -> Planned:
        """This message with its text rendered (planning may have left that for later)."""
        later, self.compose_later = self.compose_later, None
        if later is not None:
            later()
        return self

    def as_json(self) -> dict[str, Any]:
        """The message object of SPEC §9 (`preview --json`, `run --json`)."""
        self.composed()
        status = "planned" if self.status == "due" else self.status
        return {
            "send_at": fmt_local(self.send_at),
            "kind": self.kind,
            "to": self.to,
            "practice": self.practice,
            "appointments": self.appointment_ids,
            "text": self.text,
            "parts": self.parts,
            "encoding": self.encoding,
            "status": status,
            "reason": self.reason,
        }


TextSource = Callable[[str, str], str]


class Composer:
    """Renders the text of a message and measures it (encoding, parts)."""

    def __init__(self, cfg: Config, text_for: TextSource | None = None):
        self.cfg = cfg
        self.text_for = text_for or templates.default_text

    def language(self, visit: Visit) -> str:
        return visit.language or self.cfg.language

    def compose(self, planned: Planned, named: Visit, about: datetime, later: bool = False) -> None:
        """Render the text now, or (``later``) when someone asks for it (:meth:`Planned.composed`)."""
        if later:
            planned.compose_later = lambda: self.compose(planned, named, about)
            return
        lang = self.language(named)
        subject = templates.Subject(
            start=about,
            patient=named.patient,
            practice=named.practice,
            doctor=named.doctor,
            practice_phone=self.cfg.practice_info(named.practice).phone,
            count=len(planned.visits),
            reply_hint=self.cfg.replies.enabled,
        )
        text = templates.render(self.text_for(planned.kind, lang), templates.values(subject, lang))
        if self.cfg.transliterate:
            text = sms_text.transliterate(text)
        length = sms_text.measure(text)
        planned.text, planned.parts, planned.encoding = text, length.parts, length.encoding
        planned.sender = self.cfg.sender_for(planned.practice)
        planned.about = about


def phone_of(visit: Visit, cfg: Config, learned: dict[int, tuple[str, str]] | None = None) -> Phone:
    """The visit's number as stored with its class; a number classified here is added to
    ``learned`` (visit id -> (number, class text)) for the run to store."""
    if learned is not None and not visit.phone_class:
        text = to_class_text(visit.phone, cfg.country)
        learned[visit.id] = (visit.phone, text)
        visit.phone_class = text
    return from_class_text(visit.phone, visit.phone_class, cfg.country)


def in_window(moment: datetime, window: tuple[time, time]) -> bool:
    """Inside the sending window, to the minute (a 20:00:40 run still counts as 20:00)."""
    clock = moment.time().replace(second=0, microsecond=0)
    return window[0] <= clock <= window[1]


def next_window_opening(moment: datetime, window: tuple[time, time], tz: tzinfo) -> datetime:
    """``moment`` if inside the window, else the next time the window opens."""
    if in_window(moment, window):
        return moment
    day = moment.date() if moment.time() < window[0] else moment.date() + timedelta(days=1)
    return aware_lenient(datetime.combine(day, window[0]), tz)


def aware_lenient(wall: datetime, tz: tzinfo) -> datetime:
    """Like clock.aware, but a wall time in a DST gap means the instant one hour on."""
    try:
        return aware(wall, tz)
    except ValueError:
        # Via UTC: astimezone() to the datetime's own zone would return it unchanged.
        return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def load_stored(store: Store, tz: tzinfo, where: str, params: Any = ()) -> list[Planned]:
    """Stored messages (any state) as Planned, with the visits they cover."""
    rows = store.query(f"SELECT * FROM messages WHERE {where} ORDER BY send_at, id", params)
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    links: dict[int, list[dict[str, Any]]] = {}
    for link in store.query(
        f"SELECT ma.message, ma.start, ma.appointment, a.ext_id FROM message_appointments ma "
        f"LEFT JOIN appointments a ON a.id = ma.appointment "
        f"WHERE ma.message IN ({','.join('?' * len(ids))}) ORDER BY ma.start",
        ids,
    ):
        links.setdefault(link["message"], []).append(link)
    return [_stored(r, links.get(r["id"], []), tz) for r in rows]


def _stored(row: dict[str, Any], links: list[dict[str, Any]], tz: tzinfo) -> Planned:
    phone = Phone(row["phone"], row["recipient"] if row["recipient"].startswith("+") else None, None)
    return Planned(
        kind=row["kind"],
        practice=row["practice"],
        phone=phone,
        visits=[],
        send_at=from_store(row["send_at"], tz),
        status=row["state"],
        reason=row["reason"],
        text=row["text"],
        parts=row["parts"],
        encoding=row["encoding"],
        sender=row["sender"],
        message_id=row["id"],
        gateway_id=row["gateway_id"],
        appointment_ids=[str(link["ext_id"]) for link in links if link["ext_id"] is not None],
        starts={link["appointment"]: link["start"] for link in links},
    )


def stored_between(store: Store, tz: tzinfo, first: datetime, end: datetime) -> list[Planned]:
    return load_stored(store, tz, "send_at >= ? AND send_at < ?", (to_store(first), to_store(end)))
