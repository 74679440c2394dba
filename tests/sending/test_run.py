"""`run` and `preview` behaviour (SPEC §2 grouping/covered/expiry, §3, §4) through the CLI."""

from __future__ import annotations

from pathlib import Path

from smsremind import config
from smsremind.clock import parse_now
from smsremind.money import quota
from smsremind.rules.planner import PlanContext, reminders_for
from smsremind.sending import runner
from smsremind.sending.gateways.base import Gateway, Outcome, Result, Sms
from smsremind.sending.journal import claim
from smsremind.sending.outbound import NOT_RESENT_LATE
from smsremind.storage.store import Store
from tests.conftest import Cli, csv_file

HEAD = "id,start,phone,patient,practice\n"
# 2026-11-30 is a Monday: its 24 h reminders go out on Friday 2026-11-27.


def load(app: Cli, rows: str, now: str = "2026-11-20 10:00", *extra: str) -> None:
    app("import", str(csv_file(app.folder, HEAD + rows)), *extra, now=now)


def statuses(doc: list[dict]) -> list[tuple]:
    return [(m["appointments"], m["status"], m["reason"]) for m in doc]


def test_family_sharing_a_phone_gets_one_sms_naming_the_earliest(app: Cli) -> None:
    load(
        app,
        "1,2026-12-01 11:00,601234567,Zosia,P\n2,2026-12-01 10:00,601 234 567,Anna,P\n"
        "3,2026-12-01 12:00,+48601234567,Jaś,P\n4,2026-12-01 10:00,601234568,Other,P\n",
    )
    doc = app.json("run", now="2026-11-30 20:00")
    assert (doc["sent"], statuses(doc["messages"])) == (
        2,
        [(["2", "1", "3"], "sent", None), (["4"], "sent", None)],
    )
    family = app.outbox()[0]
    assert family["appointments"] == ["2", "1", "3"]
    assert "10:00" in family["text"] and family["to"] == "+48601234567"
    assert family["id"] and family["from"] == "Gabinet" and family["kind"] == "reminder"


def test_same_phone_at_two_practices_gets_one_sms_from_each(app: Cli) -> None:
    load(app, "1,2026-12-01 10:00,601234567,A,Gabinet A\n2,2026-12-01 12:00,601234567,A,Gabinet B\n")
    app("run", now="2026-11-30 20:00")
    assert sorted(m["text"].split(" ")[1] for m in app.outbox()) == ["A", "B"]


def test_later_visit_added_after_reminder_went_out_is_covered(app: Cli) -> None:
    load(app, "1,2026-12-01 10:00,601234567,A,P\n")
    assert app.json("run", now="2026-11-30 10:00")["sent"] == 1
    load(
        app,
        "1,2026-12-01 10:00,601234567,A,P\n2,2026-12-01 15:00,601234567,A,P\n"
        "3,2026-12-01 08:00,601234567,A,P\n",
        "2026-11-30 11:00",
    )
    doc = app.json("run", now="2026-11-30 16:00")
    assert statuses(doc["messages"]) == [(["3"], "sent", None), (["2"], "skipped", "covered")]
    assert [m["appointments"] for m in app.outbox()] == [["1"], ["3"]]
    preview = app.json("preview", "--date", "2026-11-30", now="2026-11-30 16:05")
    assert sorted(statuses(preview)) == [
        (["1"], "sent", None),
        (["2"], "skipped", "covered"),
        (["3"], "sent", None),
    ]


def test_not_covered_when_the_reminded_visit_was_cancelled(app: Cli) -> None:
    load(app, "1,2026-12-01 10:00,601234567,A,P\n")
    app("run", now="2026-11-30 10:00")
    app(
        "import",
        str(
            csv_file(
                app.folder,
                "id,start,phone,practice,status\n"
                "1,2026-12-01 10:00,601234567,P,cancelled\n"
                "2,2026-12-01 15:00,601234567,P,\n",
            )
        ),
        now="2026-11-30 11:00",
    )
    doc = app.json("run", now="2026-11-30 15:00")
    assert statuses(doc["messages"]) == [(["2"], "sent", None)]


def test_missed_day_expires_and_is_never_sent_late(app: Cli) -> None:
    load(app, "1,2026-11-30 10:00,601234567,A,P\n2,2026-12-01 10:00,601234568,B,P\n")
    app("run", now="2026-11-26 12:00")  # cron ran on Thursday, then stopped until Monday
    doc = app.json("run", now="2026-11-30 10:00")
    assert statuses(doc["messages"]) == [(["1"], "expired", "send-day-passed"), (["2"], "sent", None)]
    assert [m["appointments"] for m in app.outbox()] == [["2"]]
    assert app.json("run", now="2026-11-30 10:05")["expired"] == 0  # reported once
    preview = app.json("preview", "--date", "2026-11-27", now="2026-11-30 10:10")
    assert statuses(preview) == [(["1"], "expired", "send-day-passed")]
    status = app.json("status", now="2026-11-30 10:10")
    assert [m["appointments"] for m in status["attention"]] == [["1"]]


def test_window_and_due_times(app: Cli) -> None:
    load(app, "1,2026-12-01 14:00,601234567,A,P\n2,2026-12-01 19:00,601234568,B,P\n")
    assert app.json("run", now="2026-11-30 08:55")["sent"] == 0  # before the window
    assert app.json("run", now="2026-11-30 14:00")["sent"] == 1  # T = 14:00 for visit 1
    assert app.json("run", now="2026-11-30 20:30")["sent"] == 0  # window closed, 2 still planned
    assert app.json("run", now="2026-12-01 09:00")["expired"] == 1


def test_booked_too_late_and_same_day_get_no_reminder(app: Cli) -> None:
    load(app, "0,2026-12-09 10:00,601234560,Z,P\n")  # makes the next import a non-baseline one
    load(app, "1,2026-12-01 10:00,601234567,A,P\n2,2026-11-30 18:00,601234568,B,P\n", "2026-11-30 12:00")
    doc = app.json("run", now="2026-11-30 12:05")
    assert statuses(doc["messages"]) == [(["2"], "skipped", "booked-too-late"), (["1"], "sent", None)]


def test_move_gets_a_fresh_reminder_and_old_one_does_not_count(app: Cli) -> None:
    load(app, "1,2026-12-01 10:00,601234567,A,P\n")
    app("run", now="2026-11-30 10:00")
    load(app, "1,2026-12-03 10:00,601234567,A,P\n", "2026-11-30 11:00")
    assert app.json("run", now="2026-12-02 10:00")["sent"] == 1
    assert [m["text"][-6:-1] for m in app.outbox()] == ["10:00", "10:00"]
    assert "czwartek, 03.12.2026" in app.outbox()[1]["text"]
    load(app, "1,2026-12-02 16:00,601234567,A,P\n", "2026-12-02 11:00")  # moved to today
    doc = app.json("run", now="2026-12-02 16:00")
    assert statuses(doc["messages"]) == [(["1"], "skipped", "booked-too-late")]


def test_unsendable_numbers_are_skipped_once_and_visible(app: Cli) -> None:
    app("optout", "add", "601 234 569")
    load(
        app,
        "1,2026-12-01 10:00,22 628 45 12,A,P\n2,2026-12-01 10:00,123,B,P\n"
        "3,2026-12-01 10:00,800 123 456,C,P\n4,2026-12-01 10:00,601234569,D,P\n",
    )
    doc = app.json("run", now="2026-11-30 12:00")
    assert sorted((m["to"], m["reason"]) for m in doc["messages"]) == [
        ("+48226284512", "landline"),
        ("+48601234569", "opted-out"),
        ("+48800123456", "not-mobile"),
        ("123", "invalid-number"),
    ]
    assert (doc["skipped"], doc["sent"], app.outbox()) == (4, 0, [])
    assert app.json("run", now="2026-11-30 12:05")["skipped"] == 0
    preview = app.json("preview", "--date", "2026-11-30", now="2026-11-30 12:10")
    assert {m["status"] for m in preview} == {"skipped"} and len(preview) == 4


def test_run_twice_sends_nothing_twice(app: Cli) -> None:
    load(app, "".join(f"{i},2026-12-01 {9 + i % 10:02d}:00,60123{i:04d},X,P\n" for i in range(30)))
    first = app.json("run", now="2026-11-30 20:00")
    again = app.json("run", now="2026-11-30 20:01")
    assert (first["sent"], again["sent"], len(app.outbox())) == (30, 0, 30)


def test_dry_run_writes_nothing(app: Cli) -> None:
    load(app, "1,2026-12-01 10:00,601234567,A,P\n2,2026-12-01 10:00,22 628 45 12,B,P\n")
    db = app.folder / "smsremind.db"
    before = Store(db).conn.execute("SELECT count(*) FROM messages").fetchone()
    doc = app.json("run", "--dry-run", now="2026-11-30 12:00")
    assert doc["dry_run"] is True and doc["sent"] == 0 and doc["skipped"] == 1
    assert sorted(m["status"] for m in doc["messages"]) == ["planned", "skipped"]
    assert Store(db).conn.execute("SELECT count(*) FROM messages").fetchone() == before
    assert app.outbox() == []


def test_disabled_sends_nothing_and_says_so(make_app) -> None:
    app = make_app(enabled=False)
    load(app, "1,2026-12-01 10:00,601234567,A,P\n")
    result = app("run", now="2026-11-30 12:00")
    assert "sending is disabled" in result.stderr and app.outbox() == []
    assert len(app.json("preview", "--date", "2026-11-30", now="2026-11-30 12:00")) == 1


def test_overlapping_run_leaves_at_once(app: Cli) -> None:
    load(app, "1,2026-12-01 10:00,601234567,A,P\n")
    store = Store(app.folder / "smsremind.db")
    with store.run_lock() as got:
        assert got
        result = app("run", now="2026-11-30 12:00")
    assert "another `smsremind run` is in progress" in result.stderr and app.outbox() == []
    assert app.json("run", now="2026-11-30 12:01")["sent"] == 1


class Scripted(Gateway):
    """A stand-in for a remote gateway that answers from a script."""

    name = "scripted"

    def __init__(self, answers: list[Result], idempotent: bool = False):
        self.answers = answers
        self.idempotent = idempotent
        self.calls: list[tuple[str, bool]] = []

    def send(self, sms: Sms, now, resend: bool = False) -> Result:
        self.calls.append((sms.key, resend))
        return self.answers.pop(0)

    def check(self) -> str:
        return "scripted"


def _setup(app: Cli, rows: str) -> tuple[Store, config.Config]:
    load(app, rows)
    cfg = config.load(app.folder / "smsremind.toml")
    return Store(cfg.database), cfg


def test_gateway_outcomes_map_to_states_and_exit_code(app: Cli) -> None:
    store, cfg = _setup(
        app,
        "1,2026-12-01 10:00,601234567,A,P\n2,2026-12-01 10:00,601234568,B,P\n"
        "3,2026-12-01 10:00,601234569,C,P\n",
    )
    gw = Scripted(
        [
            Result(Outcome.ACCEPTED, "g1", 1),
            Result(Outcome.REJECTED, reason="13: bad number"),
            Result(Outcome.TRANSIENT),
            Result(Outcome.TRANSIENT),
            Result(Outcome.TRANSIENT),
            Result(Outcome.TRANSIENT),
        ]
    )
    report = runner.run(store, cfg, gw, parse_now("2026-11-30 12:00", cfg.timezone), sleep=lambda _s: None)
    assert [(m.status, m.reason) for m in report.messages] == [
        ("sent", None),
        ("failed", "13: bad number"),
        ("held", "gateway-unavailable"),
    ]
    assert report.exit_code == 3 and len(gw.calls) == 6
    # held for a gateway outage is retried by the next run; failed is final
    gw2 = Scripted([Result(Outcome.ACCEPTED, "g3", 2)])
    again = runner.run(store, cfg, gw2, parse_now("2026-11-30 12:05", cfg.timezone))
    assert [(m.appointment_ids, m.status, m.parts) for m in again.messages] == [(["3"], "sent", 2)]


def test_killed_run_is_resolved_by_the_next_one(app: Cli) -> None:
    store, cfg = _setup(app, "1,2026-12-01 10:00,601234567,A,P\n2,2026-12-01 10:00,601234568,B,P\n")
    now = parse_now("2026-11-30 12:00", cfg.timezone)
    ctx = PlanContext.build(store, cfg, now)
    first, second = sorted(reminders_for(store, ctx, [now.date()]), key=lambda p: p.to)
    # A run claimed both and was killed: message 1 had reached the outbox, message 2 had not.
    assert claim(store, cfg, first, now, None) == claim(store, cfg, second, now, None) == "claimed"
    assert claim(store, cfg, first, now, None) == "taken"  # a second claim of the same visit fails
    from smsremind.sending.gateways.outbox import OutboxGateway
    from smsremind.sending.journal import as_sms

    OutboxGateway(cfg.gateway.outbox).send(as_sms(store, first.message_id), now)
    doc = app.json("run", now="2026-11-30 12:05")
    assert [(m["appointments"], m["status"]) for m in doc["messages"]] == [(["1"], "sent"), (["2"], "sent")]
    assert sorted(m["appointments"] for m in app.outbox()) == [["1"], ["2"]]


def test_orphan_on_gateway_without_idempotency_becomes_unknown(app: Cli) -> None:
    store, cfg = _setup(app, "1,2026-12-01 10:00,601234567,A,P\n")
    now = parse_now("2026-11-30 12:00", cfg.timezone)
    [p] = reminders_for(store, PlanContext.build(store, cfg, now), [now.date()])
    assert claim(store, cfg, p, now, None) == "claimed"
    gw = Scripted([], idempotent=False)
    report = runner.run(store, cfg, gw, parse_now("2026-11-30 12:05", cfg.timezone))
    assert [(m.status, m.reason[:31]) for m in report.messages] == [
        ("unknown", "interrupted while sending; not ")
    ]
    assert gw.calls == [] and report.exit_code == 3
    assert runner.run(store, cfg, gw, parse_now("2026-11-30 12:10", cfg.timezone)).messages == []
    status = app.json("status", now="2026-11-30 12:15")
    assert [m["status"] for m in status["attention"]] == ["unknown"]


def test_orphan_found_after_its_day_is_settled_not_resent(app: Cli) -> None:
    """X1/X4 on a gateway with keys: a killed run's message is resent only inside the window and
    never after its day; then it is settled as unknown, not left hanging."""
    store, cfg = _setup(app, "1,2026-12-02 10:00,601234567,A,P\n")
    monday = parse_now("2026-11-30 12:00", cfg.timezone)  # 48 h before: due Monday 10:00
    cfg = config.parse(
        (app.folder / "smsremind.toml").read_text() + "\n[reminders]\nhours_before = 48\n",
        app.folder / "smsremind.toml",
    )
    [p] = reminders_for(store, PlanContext.build(store, cfg, monday), [monday.date()])
    assert claim(store, cfg, p, monday, None) == "claimed"  # then the run was killed; cron down
    gw = Scripted([], idempotent=True)
    evening = runner.run(store, cfg, gw, parse_now("2026-11-30 20:30", cfg.timezone))
    assert (evening.recovered, evening.messages, gw.calls) == (0, [], [])  # no resend outside the window
    assert store.conn.execute("SELECT state FROM messages").fetchall() == [("sending",)]
    report = runner.run(store, cfg, gw, parse_now("2026-12-01 12:00", cfg.timezone))
    assert [(m.status, m.reason) for m in report.messages] == [("unknown", NOT_RESENT_LATE)]
    assert gw.calls == [] and report.recovered == 1
    assert store.conn.execute("SELECT count(*) FROM messages WHERE state = 'sending'").fetchone()[0] == 0
    later = runner.run(store, cfg, gw, parse_now("2026-12-01 12:05", cfg.timezone))
    assert (later.recovered, later.messages, gw.calls) == (0, [], [])
    assert quota.current(store, cfg, monday).reserved == 0  # nothing stays reserved


def test_orphan_notice_is_settled_once_its_visit_has_begun(app: Cli) -> None:
    from smsremind.rules.notices import notice_outcomes

    toml = app.folder / "smsremind.toml"
    toml.write_text(toml.read_text() + "\n[notify]\nconfirmation = true\n")
    store, cfg = _setup(app, "1,2026-12-10 10:00,601234567,A,P\n")  # the baseline: no notices
    load(app, "1,2026-12-10 10:00,601234567,A,P\n2,2026-11-30 15:00,601234568,B,P\n", "2026-11-30 10:00")
    now = parse_now("2026-11-30 10:05", cfg.timezone)
    [p], _ = notice_outcomes(store, PlanContext.build(store, cfg, now))
    assert (p.kind, p.status) == ("confirmation", "due")
    assert claim(store, cfg, p, now, None) == "claimed"  # then the run was killed until 16:00
    gw = Scripted([], idempotent=True)
    report = runner.run(store, cfg, gw, parse_now("2026-11-30 16:00", cfg.timezone))
    assert [(m.kind, m.status, m.reason) for m in report.messages] == [
        ("reminder", "skipped", "booked-too-late"),  # a same-day booking gets no reminder (X9)
        ("confirmation", "unknown", NOT_RESENT_LATE),
    ]
    assert gw.calls == []


def test_preview_shows_future_plan(app: Cli, tmp_path: Path) -> None:
    load(app, "1,2026-11-30 08:00,601234567,A,P\n2,2026-12-01 21:00,601234568,B,P\n")
    friday = app.json("preview", "--date", "2026-11-27", now="2026-11-20 10:00")
    assert [(m["send_at"], m["status"]) for m in friday] == [("2026-11-27 09:00", "planned")]
    assert set(friday[0]) == {
        "send_at",
        "kind",
        "to",
        "practice",
        "appointments",
        "text",
        "parts",
        "encoding",
        "status",
        "reason",
    }
    monday = app.json("preview", "--date", "2026-11-30", now="2026-11-20 10:00")
    assert [(m["send_at"], m["appointments"]) for m in monday] == [("2026-11-30 20:00", ["2"])]


def test_dry_run_does_not_repeat_outcomes_already_recorded(app: Cli) -> None:
    load(app, "1,2026-12-01 10:00,22 628 45 12,A,P\n2,2026-12-01 15:00,601234568,B,P\n")
    assert app.json("run", now="2026-11-30 12:00")["skipped"] == 1
    doc = app.json("run", "--dry-run", now="2026-11-30 15:00")
    assert (doc["skipped"], [m["status"] for m in doc["messages"]]) == (0, ["planned"])
