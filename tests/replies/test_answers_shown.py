"""Where the practice sees answers: preview, explain, status, the digest mail, {reply_hint}."""

from __future__ import annotations

from typing import Any

from tests.conftest import Cli
from tests.replies.test_replies_outbox import ON, answer, load, remind_one


def test_preview_explain_and_status_show_each_appointments_answer(make_app) -> None:
    app = make_app(ON)
    load(
        app,
        "1,2026-12-01 12:00,601234567,A,P\n2,2026-12-01 12:00,601234568,B,P\n"
        "3,2026-12-01 12:00,601234569,C,P\n",
    )
    app("run", now="2026-11-30 12:00")
    answer(app, "+48601234567", "TAK", "2026-11-30T12:10:00+01:00")
    answer(app, "+48601234568", "nie przyjdę", "2026-11-30T12:11:00+01:00")
    app("run", now="2026-11-30 12:15")
    preview = app.json("preview", "--date", "2026-11-30", now="2026-11-30 12:20")
    assert [(m["appointments"], m["answers"]) for m in preview] == [
        (["1"], {"1": "confirmed"}),
        (["2"], {"2": "cancel requested"}),
        (["3"], {"3": "no answer"}),
    ]
    table = app("preview", "--date", "2026-11-30", now="2026-11-30 12:20").stdout
    assert "Answer" in table and "cancel requested" in table and "confirmed" in table
    assert app.json("explain", "2", now="2026-11-30 12:20")["answer"] == "cancel requested"
    assert "patient's answer: confirmed" in app("explain", "1", now="2026-11-30 12:20").stdout
    status = app.json("status", now="2026-11-30 12:20")
    assert [(a["appointment"], a["answer"]) for a in status["answers"]] == [
        ("1", "confirmed"),
        ("2", "cancel requested"),
        ("3", "no answer"),
    ]
    text = app("status", now="2026-11-30 12:20").stdout
    assert "1 confirmed, 1 cancel requested, 1 no answer" in text
    assert "cancel requested: 2 at P, 2026-12-01 12:00" in text


def test_answers_stay_out_of_output_while_replies_are_off(app: Cli) -> None:
    load(app, "1,2026-12-01 10:00,601234567,A,P\n")
    app("run", now="2026-11-30 10:00")
    assert "answers" not in app.json("preview", "--date", "2026-11-30", now="2026-11-30 12:20")[0]
    assert "answers" not in app.json("status", now="2026-11-30 12:20")
    assert "answer" not in app.json("explain", "1", now="2026-11-30 12:20")


def test_reply_hint_is_in_the_text_only_with_replies_on(make_app, tmp_path) -> None:
    app = make_app()
    remind_one(app)
    assert app.outbox()[0]["text"] == "P przypomina o wizycie: wtorek, 01.12.2026, godz. 10:00."
    (tmp_path / "outbox.jsonl").unlink()
    app = make_app(ON)
    load(app, "2,2026-12-01 11:00,601234568,B,P\n")
    app("run", now="2026-11-30 11:00")
    assert app.outbox()[0]["text"] == (
        "P przypomina o wizycie: wtorek, 01.12.2026, godz. 11:00. "
        "Odpisz TAK, aby potwierdzić, lub NIE, aby odwołać."
    )


def test_worst_case_length_counts_the_reply_hint(make_app) -> None:
    off = make_app().json("templates", "preview", "reminder", "--lang", "en")
    on = make_app(ON).json("templates", "preview", "reminder", "--lang", "en")
    assert "Reply YES to confirm or NO to cancel." in on["worst"]["text"]
    assert "Reply" not in off["worst"]["text"]
    assert on["worst"]["units"] > off["worst"]["units"]


def _digests(smtp: Any) -> list[str]:
    return [m.get_content() for m in smtp.messages if "odpowiedzi" in m["Subject"]]


def test_digest_mails_cancel_requests_and_unrecognised_once(make_app, smtp) -> None:
    app = make_app(ON + smtp.config())
    load(app, "1,2026-12-03 10:00,601234567,A,P\n2,2026-12-03 10:00,601234568,B,P\n", now="2026-11-25 10:00")
    app("run", now="2026-12-02 10:00")
    answer(app, "+48601234567", "NIE", "2026-12-02T21:00:00+01:00")
    answer(app, "+48601234568", "Mogę o 11?", "2026-12-02T21:01:00+01:00")
    answer(app, "+48609999999", "TAK", "2026-12-02T21:02:00+01:00")
    # 21:30: outside the sending window, but the visits are tomorrow: mailed at once.
    app("run", now="2026-12-02 21:30")
    assert len(_digests(smtp)) == 1
    body = _digests(smtp)[0]
    assert "NIE" in body and "Mogę o 11?" in body and "'TAK'" not in body
    assert "-> 1 (visit 2026-12-03 10:00)" in body
    app("run", now="2026-12-02 21:35")
    app("run", now="2026-12-03 09:00")
    assert len(_digests(smtp)) == 1  # once per answer


def test_digest_for_a_later_visit_waits_for_the_sending_window(make_app, smtp) -> None:
    app = make_app(ON + smtp.config() + '[reminders]\nmode = "fixed"\ndays_before = 3\n')
    load(app, "1,2026-12-07 10:00,601234567,A,P\n", now="2026-11-25 10:00")
    app("run", now="2026-12-04 10:00")
    answer(app, "+48601234567", "NIE", "2026-12-04T22:00:00+01:00")
    app("run", now="2026-12-04 22:05")
    app("run", now="2026-12-05 08:55")
    assert _digests(smtp) == []
    app("run", now="2026-12-05 09:00")
    assert len(_digests(smtp)) == 1


def test_a_failed_digest_is_tried_again_by_the_next_run(make_app, smtp, caplog) -> None:
    app = make_app(ON + '[email]\nhost = "127.0.0.1"\nport = 1\nsecurity = "none"\ntimeout = 2\n')
    remind_one(app)
    answer(app, "+48601234567", "NIE", "2026-11-30T10:30:00+01:00")
    app("run", now="2026-11-30 10:35")
    assert "answers digest not sent" in caplog.text
    app.folder.joinpath("smsremind.toml").write_text(
        "enabled = true\n" + ON + smtp.config(), encoding="utf-8"
    )
    app("run", now="2026-11-30 10:40")
    assert len(_digests(smtp)) == 1


def test_acknowledge_answers_confirm_and_cancel_once_and_charges_the_quota(make_app) -> None:
    app = make_app(ON + "acknowledge = true\n")
    load(
        app,
        "1,2026-12-01 12:00,601234567,A,P\n2,2026-12-01 12:00,601234568,B,P\n"
        "3,2026-12-01 12:00,601234569,C,P\n4,2026-12-01 12:00,601234570,D,P\n",
    )
    app("run", now="2026-11-30 12:00")
    before = app.json("quota", "show", now="2026-11-30 12:01")["total"]
    answer(app, "+48601234567", "TAK", "2026-11-30T12:10:00+01:00")
    answer(app, "+48601234568", "NIE", "2026-11-30T12:11:00+01:00")
    answer(app, "+48601234569", "Czy mogę o 13?", "2026-11-30T12:12:00+01:00")
    answer(app, "+48601234570", "STOP", "2026-11-30T12:13:00+01:00")
    doc = app.json("run", now="2026-11-30 12:15")
    acks = [m for m in app.outbox() if m["kind"] == "acknowledgement"]
    assert [(m["to"], m["text"]) for m in acks] == [
        ("+48601234567", "P: dziękujemy, wizyta potwierdzona."),
        ("+48601234568", "P: dziękujemy, przekazaliśmy prośbę o odwołanie wizyty."),
    ]
    assert doc["sent"] == 2
    app("run", now="2026-11-30 12:20")
    app("run", now="2026-11-30 12:25")
    assert len([m for m in app.outbox() if m["kind"] == "acknowledgement"]) == 2
    after = app.json("quota", "show", now="2026-11-30 12:30")["total"]
    assert before - after == sum(m["parts"] for m in acks)


def test_acknowledgement_waits_for_the_sending_window(make_app) -> None:
    app = make_app(ON + "acknowledge = true\n")
    remind_one(app)
    answer(app, "+48601234567", "TAK", "2026-11-30T21:30:00+01:00")
    app("run", now="2026-11-30 21:35")
    assert [m["kind"] for m in app.outbox()] == ["reminder"]
    app("run", now="2026-12-01 09:00")
    assert [m["kind"] for m in app.outbox()] == ["reminder", "acknowledgement"]
