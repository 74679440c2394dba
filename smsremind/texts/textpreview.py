"""What a template really costs: a typical and a worst-case rendering (SPEC §6).

A practice edits a text once and pays for it on every message, so the
preview shows the encoding and number of parts both for a typical patient
and for the worst realistic case: the longest patient and practice names,
the longest weekday and date of the coming year.  It also names the
characters that force UCS-2 (70 instead of 160 characters per part).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from smsremind.config import Config
from smsremind.texts import sms_text, templates

SAMPLE_PATIENT = {"pl": "Anna Kowalska", "cs": "Jana Nováková", "en": "Emily Clarke"}
LONG_PATIENT = {
    "pl": "Małgorzata Konstantynowicz-Wiśniewska",
    "cs": "Bohumila Vondráčková-Šťastná",
    "en": "Christopher Montgomery-Whitfield",
}
LONG_PRACTICE = "Niepubliczny Zakład Opieki Zdrowotnej Centrum Stomatologii Uśmiech"
LONG_DOCTOR = "lek. dent. Bartłomiej Szczepański-Żółkiewski"
SAMPLE_PRACTICE = "Gabinet Stomatologiczny Uśmiech"
SAMPLE_PHONE = "+48 22 123 45 67"


@dataclass(frozen=True)
class Rendered:
    text: str
    length: sms_text.Length
    forcing: list[tuple[int, str]]  # characters that force UCS-2

    def as_json(self) -> dict:
        return {
            "text": self.text,
            "encoding": self.length.encoding,
            "units": self.length.units,
            "parts": self.length.parts,
            "per_part": self.length.per_part,
            "ucs2_chars": sorted({ch for _, ch in self.forcing}),
        }


@dataclass(frozen=True)
class Preview:
    kind: str
    language: str
    template: str
    custom: bool
    sample: Rendered
    worst: Rendered

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "language": self.language,
            "custom": self.custom,
            "template": self.template,
            "sample": self.sample.as_json(),
            "worst": self.worst.as_json(),
        }


def render(template: str, subject: templates.Subject, language: str, transliterate: bool) -> Rendered:
    text = templates.render(template, templates.values(subject, language))
    if transliterate:
        text = sms_text.transliterate(text)
    return Rendered(text, sms_text.measure(text), sms_text.ucs2_forcing(text))


def preview(
    kind: str, language: str, template: str, custom: bool, cfg: Config, now: datetime, practices: list[str]
) -> Preview:
    """Typical and worst-case renderings of ``template``; ``practices`` are the known names."""
    templates.parse(template)
    phone = next((cfg.practice_info(p).phone for p in practices if cfg.practice_info(p).phone), SAMPLE_PHONE)
    workday = next(
        now.date() + timedelta(days=d) for d in range(1, 8) if (now + timedelta(days=d)).weekday() < 5
    )
    typical = templates.Subject(
        start=datetime.combine(workday, time(10, 30)),
        patient=SAMPLE_PATIENT[language],
        practice=(practices or [SAMPLE_PRACTICE])[0],
        doctor="lek. dent. Anna Nowak",
        practice_phone=phone,
        count=1,
        reply_hint=cfg.replies.enabled,
    )
    sample = render(template, typical, language, cfg.transliterate)
    longest_practice = max([*practices, LONG_PRACTICE], key=len)
    candidates = (
        templates.Subject(
            start=datetime.combine(now.date() + timedelta(days=d), time(18, 45)),
            patient=LONG_PATIENT[language],
            practice=longest_practice,
            doctor=LONG_DOCTOR,
            practice_phone=phone,
            count=3,
            reply_hint=cfg.replies.enabled,
        )
        for d in range(1, 367)
    )
    worst = max(
        (render(template, s, language, cfg.transliterate) for s in candidates),
        key=lambda r: (r.length.parts, r.length.units),
    )
    return Preview(kind, language, template, custom, sample, worst)
