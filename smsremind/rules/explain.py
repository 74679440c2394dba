"""`smsremind explain ID`: every step for one appointment, as data (SPEC §9).

Returns plain dicts; the CLI renders them as text or JSON.  The JSON document is the same in
every language; ``people=True`` gives the one printed for people instead: the steps in their
language and every reason code replaced by its text (:func:`smsremind.rules.reasons.describe`).
"""

from __future__ import annotations

from typing import Any

from smsremind.clock import fmt_local, from_store
from smsremind.errors import NotFoundError
from smsremind.i18n import _
from smsremind.intake.phones import mask
from smsremind.rules import notices, planner, reasons
from smsremind.rules.messages import Planned, Visit, load_stored, load_visits, phone_of
from smsremind.storage.store import Store


def find_visit(store: Store, ctx: planner.PlanContext, ext_id: str, practice: str | None) -> Visit:
    where, params = "ext_id = ?", [ext_id]
    if practice:
        where, params = where + " AND practice = ?", [*params, practice]
    found = load_visits(store, ctx.tz, where, params)
    if not found and practice:
        text = _("no appointment with id {id} at {practice}")
        raise NotFoundError(text.format(id=repr(ext_id), practice=repr(practice)))
    if not found:
        raise NotFoundError(_("no appointment with id {id}").format(id=repr(ext_id)))
    if len(found) > 1:
        names = ", ".join(repr(v.practice) for v in found)
        text = _("id {id} exists at several practices ({names}); add --practice")
        raise NotFoundError(text.format(id=repr(ext_id), names=names))
    return found[0]


def explain(
    store: Store, ctx: planner.PlanContext, ext_id: str, practice: str | None, people: bool = False
) -> dict[str, Any]:
    visit = find_visit(store, ctx, ext_id, practice)
    r = ctx.explain(visit)
    phone = phone_of(visit, ctx.cfg)
    doc: dict[str, Any] = {
        "appointment": {
            "id": visit.ext_id,
            "practice": visit.practice,
            "start": fmt_local(visit.start),
            "status": visit.status,
            "to": phone.key,
            "to_masked": mask(phone.key),
            "booked_at": fmt_local(visit.booked_at),
            "language": visit.language,
        },
        "steps": [{"rule": s.rule, "text": s.shown() if people else s.text} for s in r.steps],
        "send_at": fmt_local(r.send_at) if r.send_at else None,
        "reason": r.reason,
        "phone": {
            "to": phone.key,
            "problem": phone.problem,
            "opted_out": bool(phone.e164 and phone.e164 in ctx.optouts),
        },
        "reminder": _reminder(store, ctx, visit),
        "notice": _notice(visit, ctx),
        "messages": [
            _message(m)
            for m in load_stored(
                store,
                ctx.tz,
                "id IN (SELECT message FROM message_appointments WHERE appointment = ?)",
                (visit.id,),
            )
        ],
        "events": [
            {
                "at": fmt_local(from_store(e["at"], ctx.tz)),
                "kind": e["kind"],
                "detail": e["detail"],
                "old_start": _local(e["old_start"], ctx),
                "new_start": _local(e["new_start"], ctx),
            }
            for e in store.query("SELECT * FROM events WHERE appointment = ? ORDER BY id", (visit.id,))
        ],
    }
    if visit.status == "cancelled":
        doc["reason"] = doc["reason"] or reasons.CANCELLED
    return _for_people(doc) if people else doc


def _for_people(doc: dict[str, Any]) -> dict[str, Any]:
    """Reason codes as their texts (the steps were rendered in the language already)."""
    if doc["reason"]:
        doc["reason"] = reasons.describe(doc["reason"])
    if doc["phone"]["problem"]:
        doc["phone"]["problem"] = reasons.describe(doc["phone"]["problem"])
    for m in [doc["reminder"], doc["notice"], *doc["messages"]]:
        if m and m["reason"]:
            m["reason"] = reasons.describe(m["reason"])
    return doc


def _local(text: str | None, ctx: planner.PlanContext) -> str | None:
    return fmt_local(from_store(text, ctx.tz)) if text else None


def _reminder(store: Store, ctx: planner.PlanContext, visit: Visit) -> dict[str, Any] | None:
    """The reminder outcome for the visit's current start: stored attempt, or as planned now."""
    stored = load_stored(
        store,
        ctx.tz,
        "id IN (SELECT message FROM message_appointments WHERE appointment = ? AND start = ? "
        "AND kind = 'reminder')",
        (visit.id, visit.start_key),
    )
    if stored and stored[0].status in ("sending", "sent", "failed", "unknown"):
        return _message(stored[0])
    if visit.status != "scheduled":
        return None
    r = ctx.explain(visit)
    when = r.send_at or r.planned
    if when is None:
        return None
    for p in planner.reminders_for(store, ctx, [when.date()]):
        if visit.id in p.starts:
            return _message(p)
    return None


def _notice(visit: Visit, ctx: planner.PlanContext) -> dict[str, Any] | None:
    decision = notices.decide(
        visit.told_status, visit.told_start_key, visit.status, visit.start_key, ctx.cfg.notify
    )
    if decision is None or (visit.told_status, visit.told_start_key) == (
        visit.status,
        visit.start_key,
    ):
        return None
    return _message(notices.plan_notice(visit, *decision, ctx))


def _message(p: Planned) -> dict[str, Any]:
    doc = p.as_json()
    doc["to_masked"] = mask(p.to)
    doc["status"] = p.status
    return doc
