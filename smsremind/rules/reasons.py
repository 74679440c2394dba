"""Reason codes and what they mean to people.

A message that is skipped, held, expired or failed carries a reason.  The database and the
``--json`` documents keep it as it is (``booked-too-late``, or the gateway's own words):
machines read those.  People read :func:`describe`'s text, in their language.

Besides the codes, the few fixed English phrases smsremind itself writes into stored reasons
are recognised too (a stored reason may join several with "; "); anything else, such as a
gateway's answer "SMSAPI 101: …", is shown in the gateway's words.
"""

from __future__ import annotations

from smsremind.i18n import N_, _
from smsremind.intake.phones import INVALID, LANDLINE, NOT_MOBILE
from smsremind.rules.messages import APPOINTMENT_PASSED, COVERED, OPTED_OUT, QUOTA, SEND_DAY_PASSED
from smsremind.rules.schedule import BOOKED_TOO_LATE, NO_SEND_DAY

GATEWAY_UNAVAILABLE = "gateway-unavailable"
CANCELLED = "cancelled"  # `explain` of a cancelled visit

# Fixed phrases written into stored reasons by the sending code (the value stays English).
RESOLVE_LATER = "no answer yet; the next run asks again with the same key"
FOUND_AFTER_UNCERTAIN = "found after an uncertain attempt"
RATE_LIMITED = "rate limited by the gateway (429)"
NO_ANSWER = "no answer"
REJECTED = "rejected by the gateway"
OUTCOME_UNKNOWN = "outcome unknown"
NO_STATUS = "answer without the message's status"
NOT_RESENT_LATE = "interrupted while sending; too late to resend (the gateway may have it)"
NO_KEY = "interrupted while sending; not resent (the gateway has no idempotency key)"
KEY_EXPIRED = "interrupted while sending; not resent: the gateway no longer remembers its key"

TEXTS = {
    NO_SEND_DAY: N_("no sending day before the visit"),
    BOOKED_TOO_LATE: N_("booked after the reminder time"),
    COVERED: N_("covered by the reminder of an earlier visit that day"),
    OPTED_OUT: N_("the patient opted out of SMS"),
    SEND_DAY_PASSED: N_("the send day passed without a run"),
    APPOINTMENT_PASSED: N_("the appointment has already passed"),
    QUOTA: N_("the SMS quota is used up"),
    GATEWAY_UNAVAILABLE: N_("the SMS gateway was unavailable"),
    INVALID: N_("invalid phone number"),
    LANDLINE: N_("landline number"),
    NOT_MOBILE: N_("not a mobile number"),
    CANCELLED: N_("the appointment was cancelled"),
    RESOLVE_LATER: N_("no answer yet; the next run asks again with the same key"),
    FOUND_AFTER_UNCERTAIN: N_("found after an uncertain attempt"),
    RATE_LIMITED: N_("rate limited by the gateway (429)"),
    NO_ANSWER: N_("no answer"),
    REJECTED: N_("rejected by the gateway"),
    OUTCOME_UNKNOWN: N_("outcome unknown"),
    NO_STATUS: N_("answer without the message's status"),
    NOT_RESENT_LATE: N_("interrupted while sending; too late to resend (the gateway may have it)"),
    NO_KEY: N_("interrupted while sending; not resent (the gateway has no idempotency key)"),
    KEY_EXPIRED: N_("interrupted while sending; not resent: the gateway no longer remembers its key"),
}
_SEP = "; "


def describe(reason: str) -> str:
    """The reason in the user's language when smsremind knows it, else unchanged."""
    if reason in TEXTS:
        return _(TEXTS[reason])
    suffix = _SEP + RESOLVE_LATER  # this phrase holds the separator itself
    if reason.endswith(suffix):
        return describe(reason[: -len(suffix)]) + _SEP + _(TEXTS[RESOLVE_LATER])
    if _SEP in reason:
        return _SEP.join(_(TEXTS[p]) if p in TEXTS else p for p in reason.split(_SEP))
    return reason
