"""Answers fetched from the real gateways' local servers, through the CLI.

Each server holds the patients' SMS the way its API hands them over: SMSbrána
in ``inbox`` (``delivery_sms``, no ids), Twilio as inbound messages in the
message list (paged, SIDs), SMSAPI not at all (callback only) but its blacklist.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Cli, csv_file
from tests.fakes.fake_smsapi import FakeSmsapi
from tests.fakes.fake_smsbrana import FakeSmsbrana
from tests.fakes.fake_twilio import FakeTwilio
from tests.sending.test_gateways import gateway_config

WARSAW = ZoneInfo("Europe/Warsaw")
ON = "[quota]\nalerts = []\n[replies]\nenabled = true\n"
OUR_NUMBER = "+48500000000"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WARSAW)


def remind(app: Cli, rows: str) -> None:
    """Visits on Tuesday 2026-12-01; their reminders go out on Monday at 12:00."""
    app(
        "import",
        str(csv_file(app.folder, "id,start,phone,patient,practice\n" + rows)),
        now="2026-11-20 10:00",
    )
    app("run", now="2026-11-30 12:00")


FAMILY = (
    "1,2026-12-01 10:00,601234567,A,P\n2,2026-12-01 11:00,601234568,B,P\n"
    "3,2026-12-01 11:30,601234568,B2,P\n4,2026-12-01 12:00,601234569,C,P\n"
    "5,2026-12-01 12:00,601234570,D,P\n"
)


def meanings(app: Cli, now: str) -> list[tuple[str, str, list[str]]]:
    return [(r["from"], r["meaning"], r["appointments"]) for r in app.json("replies", now=now)]


EXPECTED = [
    ("+48601234567", "confirm", ["1"]),
    ("+48601234568", "cancel", ["2", "3"]),
    ("+48601234569", "unrecognised", ["4"]),
    ("+48601234570", "stop", ["5"]),
]


def _receive_four(fake, receive) -> None:
    receive("+48601234567", "Tak", at("2026-11-30 12:05"))
    receive("+48601234568", "NIE, nie przyjdziemy", at("2026-11-30 12:06"))
    receive("+48601234569", "A o której?", at("2026-11-30 12:07"))
    receive("+48601234570", "STOP", at("2026-11-30 12:08"))


def test_smsbrana_inbox_answers_and_reports_from_one_read(make_app) -> None:
    with FakeSmsbrana() as fake:
        app = make_app(ON + gateway_config("smsbrana", fake))
        remind(app, FAMILY)
        assert len(fake.accepted) == 4
        _receive_four(fake, lambda n, t, when: fake.receive(n.lstrip("+"), t, when))
        fake.set_delivery(fake.accepted[0]["id"], "delivered")
        before = len(fake.requests)
        assert app.json("run", now="2026-11-30 12:10")["replies"] == 4
        assert meanings(app, "2026-11-30 12:11") == EXPECTED
        inbox_calls = [r for r in fake.requests[before:] if r["params"].get("action") == "inbox"]
        assert len(inbox_calls) == 1 and "delete" not in inbox_calls[0]["params"]  # nothing deleted
        assert app.json("status", now="2026-11-30 12:11")["deliveries"]["counts"]["delivered"] == 1
        # Still in the inbox: read again by the next run, stored once.
        assert app.json("run", now="2026-11-30 12:15")["replies"] == 0
        assert len(app.json("replies", now="2026-11-30 12:16")) == 4
        assert [o["source"] for o in app.json("optout", "list")] == ["reply"]


def test_smsbrana_full_inbox_is_emptied_only_after_its_answers_are_stored(make_app) -> None:
    with FakeSmsbrana() as fake:
        app = make_app(ON + gateway_config("smsbrana", fake))
        remind(app, "1,2026-12-01 10:00,601234567,A,P\n")
        for i in range(120):
            fake.receive(f"48609{i:06d}", f"pytanie {i}", at("2026-11-30 12:05"))
        before = len(fake.requests)
        assert app.json("run", now="2026-11-30 12:10")["replies"] == 120
        calls = [
            r["params"].get("delete") for r in fake.requests[before:] if r["params"].get("action") == "inbox"
        ]
        assert calls == [None, "1"]
        fake.receive("48601234567", "TAK", at("2026-11-30 12:12"))
        app("run", now="2026-11-30 12:15")
        assert len(app.json("replies", now="2026-11-30 12:16")) == 121


def test_twilio_inbound_messages_paged_and_deduplicated_by_sid(make_app) -> None:
    with FakeTwilio() as fake:
        app = make_app(ON + gateway_config("twilio", fake).replace('"Gabinet"', f'"{OUR_NUMBER}"'))
        remind(app, FAMILY)
        _receive_four(fake, lambda n, t, when: fake.receive(n, t, OUR_NUMBER, when))
        for i in range(1100):  # more than one page of 1000
            fake.receive(f"+48609{i:06d}", "?", OUR_NUMBER, at("2026-11-30 11:00"))
        fake.receive("+48601234567", "NIE", "+48500999999", at("2026-11-30 12:09"))  # another number
        before = len(fake.requests)
        assert app.json("run", now="2026-11-30 12:10")["replies"] == 1104
        lists = [
            r
            for r in fake.requests[before:]
            if r["method"] == "GET" and r["path"].split("?")[0].endswith("Messages.json")
        ]
        assert len(lists) == 2 and lists[0]["params"]["To"] == OUR_NUMBER
        assert lists[0]["params"]["DateSent>"] == "2026-11-23"
        assert [
            m for m in meanings(app, "2026-11-30 12:11") if m[0] != "+48609" and not m[0].startswith("+48609")
        ] == EXPECTED
        assert app.json("run", now="2026-11-30 12:15")["replies"] == 0  # listed again: same SIDs


def test_smsapi_blacklist_joins_the_opt_out_list(make_app) -> None:
    with FakeSmsapi(senders=("Gabinet", OUR_NUMBER)) as fake:
        app = make_app(ON + gateway_config("smsapi", fake).replace('"Gabinet"', f'"{OUR_NUMBER}"'))
        fake.blacklist = ["601234567", "48601234568"] + [f"6090{i:05d}" for i in range(150)]
        remind(app, "1,2026-12-01 12:00,601234567,A,P\n2,2026-12-01 12:00,601234569,C,P\n")
        assert [m["to"] for m in fake.accepted] == ["48601234569"]  # the first run read the list first
        sources = {o["phone"]: o["source"] for o in app.json("optout", "list")}
        assert len(sources) == 152 and sources["+48601234568"] == "smsapi blacklist"
        assert "only by callback" in app("gateway", "check").stdout


def test_smsapi_blacklist_not_readable_with_this_token_is_no_error(make_app) -> None:
    with FakeSmsapi(senders=("Gabinet", OUR_NUMBER)) as fake:
        app = make_app(ON + gateway_config("smsapi", fake).replace('"Gabinet"', f'"{OUR_NUMBER}"'))
        fake.blacklist, fake.blacklist_allowed = ["601234567"], False
        remind(app, "1,2026-12-01 12:00,601234567,A,P\n")
        assert len(fake.accepted) == 1 and app.json("optout", "list") == []


@pytest.mark.parametrize(
    ("name", "extra", "says"),
    [
        ("twilio", "", '[gateway] sender = "Gabinet" is a name patients cannot answer'),
        ("smsapi", "", '[gateway] sender = "Gabinet" is a name patients cannot answer'),
        ("smsbrana", "sender_id = 1234\n", 'needs [gateway] sender_id = "" with SMSbrána'),
    ],
)
def test_replies_refuse_a_sender_patients_cannot_answer(make_app, name: str, extra: str, says: str) -> None:
    with {"twilio": FakeTwilio, "smsapi": FakeSmsapi, "smsbrana": FakeSmsbrana}[name]() as fake:
        app = make_app(ON + gateway_config(name, fake) + extra)
        app("import", str(csv_file(app.folder, "id,start,phone,practice\n1,2026-12-01 12:00,601234567,P\n")))
        result = app("run", now="2026-11-30 12:00", code=1)
        assert says in result.stderr and "Traceback" not in result.stderr
        assert fake.requests == []  # refused before anything was sent


def test_a_practice_sender_name_is_refused_too(make_app) -> None:
    with FakeTwilio() as fake:
        cfg = gateway_config("twilio", fake).replace('"Gabinet"', f'"{OUR_NUMBER}"')
        app = make_app(ON + cfg + '[practices."Uśmiech"]\nsender = "Usmiech"\n')
        assert '[practices."Uśmiech"] sender = "Usmiech"' in app("gateway", "check", code=1).stderr


def test_the_outbox_takes_any_sender(make_app) -> None:
    app = make_app(ON + '[gateway]\nsender = "Gabinet"\n')
    app("run", now="2026-11-30 12:00")


@pytest.mark.parametrize("name", ["smsbrana", "twilio", "serwersms"])
def test_an_answer_long_after_the_reminder_belongs_to_no_visit(make_app, name: str) -> None:
    from tests.fakes.fake_serwersms import FakeSerwersms
    from tests.sending.test_serwersms import serwersms_config

    fakes = {"smsbrana": FakeSmsbrana, "twilio": FakeTwilio, "serwersms": FakeSerwersms}
    with fakes[name]() as fake:
        section = {
            "smsbrana": lambda: gateway_config("smsbrana", fake),
            "twilio": lambda: gateway_config("twilio", fake).replace('"Gabinet"', f'"{OUR_NUMBER}"'),
            "serwersms": lambda: serwersms_config(fake, sender="").replace("[quota]\nalerts = []\n", ""),
        }[name]()
        app = make_app(ON + section)
        remind(app, "1,2026-12-01 10:00,601234567,A,P\n")
        when = at("2026-12-09 09:00")  # 9 days on; window_days = 7
        if name == "twilio":
            fake.receive("+48601234567", "TAK", OUR_NUMBER, when)
        elif name == "smsbrana":
            fake.receive("48601234567", "TAK", when)
        else:
            fake.receive("+48601234567", "TAK", when, kind="ndi")
        app("run", now="2026-12-09 09:05")
        assert meanings(app, "2026-12-09 09:10") == [("+48601234567", "confirm", [])]
        assert app.json("explain", "1", now="2026-12-09 09:10")["answer"] == "no answer"
