"""explain: every step of the send-time computation of one appointment, for people or as JSON."""

from __future__ import annotations

import click

from smsremind.cli.app import App, json_option, out, pass_app, print_json
from smsremind.cli.root import cli
from smsremind.cli.words import word
from smsremind.i18n import N_, _
from smsremind.replies import answers
from smsremind.rules import explain as explain_mod
from smsremind.rules import planner
from smsremind.rules.messages import OPTED_OUT
from smsremind.rules.reasons import describe

EXPLAIN_HELP = N_("""Show every step of the send-time computation for one appointment.

\b
Example:
  smsremind explain 1017""")


@cli.command(help=EXPLAIN_HELP)
@click.argument("appointment_id")
@click.option("--practice", help=N_("Needed when the id exists at several practices."))
@json_option
@pass_app
def explain(app: App, appointment_id: str, practice: str | None, as_json: bool) -> None:
    """Show how the send time of one appointment is computed."""
    ctx = planner.PlanContext.build(app.store, app.cfg, app.now)
    doc = explain_mod.explain(app.store, ctx, appointment_id, practice, people=not as_json)
    if app.cfg.replies.enabled:
        a = doc["appointment"]
        doc["answer"] = answers.of_appointment(app.store, a["practice"], a["id"])
    if as_json:
        print_json(doc)
        return
    for line in _explained(doc):
        out.print(line, highlight=False, markup=False)


# The steps' names as people read them (JSON keeps the codes; English shows the codes themselves).
RULES = {
    "nominal": N_("nominal"),
    "window": N_("window"),
    "sending-day": N_("sending-day"),
    "visit-day": N_("visit-day"),
    "booking": N_("booking"),
}


def _explained(doc: dict) -> list[str]:
    """The lines of `explain` for people: ``doc`` is the core's document for people (steps in
    the language, reasons in words; the JSON keeps the English and the codes)."""
    a = doc["appointment"]
    lines = [
        _("Appointment {id} at {practice}: {start} ({status}), {to}, booked {booked_at}").format(
            id=a["id"],
            practice=a["practice"],
            start=a["start"],
            status=word(a["status"]),
            to=a["to_masked"],
            booked_at=a["booked_at"],
        )
    ]
    lines += [
        f"  {i}. {_(RULES[step['rule']]) if step['rule'] in RULES else step['rule']}: {step['text']}"
        for i, step in enumerate(doc["steps"], 1)
    ]
    if doc["send_at"]:
        verdict = _("send at {time}").format(time=doc["send_at"])
    else:
        verdict = _("no reminder ({reason})").format(reason=doc["reason"])
    lines.append(f"  => {verdict}")
    phone = doc["phone"]
    if phone["problem"] or phone["opted_out"]:
        problem = phone["problem"] or describe(OPTED_OUT)
        lines.append("  " + _("number: skipped ({problem})").format(problem=problem))
    for label in ("reminder", "notice"):
        m = doc[label]
        if m:
            status = word(m["status"]) + (f" ({m['reason']})" if m["reason"] else "")
            text = _("{label}: {status}, {send_at}, covers {appointments}: {text}").format(
                label=word(label),
                status=status,
                send_at=m["send_at"],
                appointments=", ".join(m["appointments"]),
                text=m["text"],
            )
            lines.append(f"  {text}")
    if "answer" in doc:
        lines.append("  " + _("patient's answer: {answer}").format(answer=word(doc["answer"])))
    for e in doc["events"]:
        event = _("event {at}: {kind} {old} -> {new} {detail}").format(
            at=e["at"],
            kind=word(e["kind"]),
            old=e["old_start"] or "",
            new=e["new_start"] or "",
            detail=e["detail"] or "",
        )
        lines.append(f"  {event.rstrip()}")
    return lines
