"""The CLI contract (SPEC §9): commands, exit codes, one-line errors, JSON on stdout only."""

from __future__ import annotations

import ast
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsremind.cli import cli
from tests.conftest import SAMPLE, Cli, csv_file

HEAD = "id,start,phone,patient,practice\n"


def test_init_writes_private_config_and_database_and_never_overwrites(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    for name in ("smsremind.toml", "smsremind.db"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert "enabled = false" in (tmp_path / "smsremind.toml").read_text()
    before = (tmp_path / "smsremind.toml").read_bytes()
    again = runner.invoke(cli, ["init"])
    assert again.exit_code == 0 and again.stderr == ""
    assert "already exists; nothing changed" in again.stdout
    assert (tmp_path / "smsremind.toml").read_bytes() == before


def test_missing_or_broken_config_is_one_line_exit_1(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["status"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("smsremind: error: no config file at ")
    (tmp_path / "smsremind.toml").write_text("[reminders]\nhours_before = 5\n")
    result = runner.invoke(cli, ["run"])
    assert (result.exit_code, result.stderr) == (
        1,
        f"smsremind: error: {tmp_path / 'smsremind.toml'}: "
        "[reminders] hours_before = 5: must be a whole number "
        "from 24 to 168\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--now", "tomorrow", "status"], "--now: 'tomorrow' is not a date and time"),
        (["--now", "2026-03-29 02:30", "status"], "--now: 2026-03-29 02:30 does not exist in Europe/Warsaw"),
        (["preview", "--date", "30/11/2026"], "'30/11/2026' is not a date (YYYY-MM-DD or DD.MM.YYYY)"),
        (["purge", "--before", "31.02.2026"], "'31.02.2026' is not a date (YYYY-MM-DD or DD.MM.YYYY)"),
        (["--now", "", "status"], "--now: '' is not a date and time"),
        (["import", "x.csv", "--map", "strat=Termin"], "--map 'strat=Termin': expected OURS=THEIRS"),
        (["optout", "add", "1234"], "**34 is not a valid phone number"),
    ],
    ids=[
        "now-words",
        "now-in-dst-gap",
        "preview-date-format",
        "purge-impossible-date",
        "now-empty-is-not-the-clock",
        "bad-map",
        "bad-phone",
    ],
)
def test_bad_arguments_exit_2_with_one_line(app: Cli, args: list[str], message: str) -> None:
    result = app(*args, code=2)
    assert result.stderr.startswith("smsremind: error: " + message) and result.stderr.count("\n") == 1


def test_unknown_command_is_usage_error(app: Cli) -> None:
    assert "No such command" in app("sendall", code=2).stderr


def test_import_exit_codes_and_json(app: Cli) -> None:
    good = csv_file(app.folder, HEAD + "1,2026-12-01 10:00,601234567,A,P\n", "good.csv")
    doc = app.json("import", str(good), now="2026-11-20 10:00")
    assert (doc["new"], doc["rejected"], doc["baseline"]) == (1, 0, ["P"])
    bad = csv_file(app.folder, HEAD + "2,2026-12-01 10:00,601234567,A,P\n3,soon,601234567,B,P\n", "bad.csv")
    result = app("import", str(bad), now="2026-11-20 10:00", code=3)
    assert (
        result.stderr
        == f"{bad}: line 3: start 'soon' is not a date and time (YYYY-MM-DD HH:MM or DD.MM.YYYY HH:MM)\n"
    )
    assert "1 new" in result.stdout
    strict = app("import", str(bad), "--strict", now="2026-11-20 10:00", code=3)
    assert "--strict: 1 bad row, nothing imported" in strict.stderr
    missing = csv_file(app.folder, "id,when,phone\n1,x,y\n", "missing.csv")
    result = app("import", str(missing), code=1)
    assert "not an appointments file: missing required column 'start'" in result.stderr
    assert app("import", str(app.folder / "nope.csv"), code=1).stderr.startswith("smsremind: error: ")


def test_run_json_shape_and_outbox(app: Cli) -> None:
    app(
        "import",
        str(csv_file(app.folder, HEAD + "1,2026-12-01 10:00,601234567,Anna Nowak,Gabinet\n")),
        now="2026-11-20 10:00",
    )
    result = app("run", "--json", now="2026-11-30 10:00")
    doc = json.loads(result.stdout)  # stdout holds exactly one JSON document
    assert set(doc) == {"sent", "failed", "held", "skipped", "expired", "unknown", "messages"}
    assert doc["messages"] == [
        {
            "send_at": "2026-11-30 10:00",
            "kind": "reminder",
            "to": "+48601234567",
            "practice": "Gabinet",
            "appointments": ["1"],
            "text": "Gabinet przypomina o wizycie: wtorek, 01.12.2026, godz. 10:00.",
            "parts": 1,
            "encoding": "GSM-7",
            "status": "sent",
            "reason": None,
        }
    ]
    [line] = app.outbox()
    assert set(line) == {"id", "to", "from", "text", "parts", "kind", "appointments", "sent_at"}
    assert line["sent_at"] == "2026-11-30T10:00:00+01:00"
    assert stat.S_IMODE((app.folder / "outbox.jsonl").stat().st_mode) == 0o600


def test_human_output_masks_phones_json_does_not(app: Cli) -> None:
    app(
        "import",
        str(csv_file(app.folder, HEAD + "1,2026-12-01 10:00,601234567,A,P\n")),
        now="2026-11-20 10:00",
    )
    for args in (["preview", "--date", "2026-11-30"], ["run"], ["status"], ["explain", "1"]):
        result = app(*args, now="2026-11-30 12:00")
        assert "601234567" not in result.output and "601 234 567" not in result.output, args
    assert "+48 601 *** *67" in app("preview", "--date", "2026-11-30", now="2026-11-30 12:00").output
    assert app.json("preview", "--date", "2026-11-30", now="2026-11-30 12:00")[0]["to"] == "+48601234567"


def test_preview_of_the_sample_week(app: Cli) -> None:
    app("import", str(SAMPLE), now="2026-11-26 18:00")
    doc = app.json("preview", "--date", "2026-11-27", now="2026-11-26 18:00")
    assert app.json("preview", "--date", "27.11.2026", now="2026-11-26 18:00") == doc  # as --now takes it
    family = [m for m in doc if m["appointments"] == ["1001", "1002", "1003"]]
    assert len(family) == 1 and "godz. 10:00" in family[0]["text"]
    assert {m["reason"] for m in doc if m["status"] == "skipped"} == {"landline", "invalid-number"}
    czech = [m for m in doc if m["to"].startswith("+420")]
    assert czech[0]["text"].endswith("připomíná termín návštěvy: pondělí 30. 11. 2026 v 16:00.")
    assert {m["practice"] for m in doc if m["to"] == "+48782536455"} == {
        "Gabinet Stomatologiczny Uśmiech",
        "Przychodnia Zdrowie",
    }


def test_status_reports_last_run_and_cron_silence(app: Cli) -> None:
    doc = app.json("status", now="2026-11-30 12:00")
    assert doc["last_run"] is None and doc["warning"].startswith("no run has happened yet")
    app("run", now="2026-11-30 09:00")
    assert app.json("status", now="2026-11-30 09:55")["warning"] is None
    late = app.json("status", now="2026-11-30 10:30")
    assert late["last_run"]["at"] == "2026-11-30 09:00" and late["last_run"]["outcome"] == "ok"
    assert late["warning"].startswith("no run since 2026-11-30 09:00 although the sending window was open")
    app("run", now="2026-11-30 19:55")
    assert app.json("status", now="2026-12-01 08:59")["warning"] is None  # the night does not count
    human = app("status", now="2026-12-01 10:30").stdout
    assert "warning: no run since 2026-11-30 19:55" in human


def test_explain_prints_each_step(app: Cli) -> None:
    app(
        "import",
        str(csv_file(app.folder, HEAD + "1017,2026-11-30 07:30,601234567,A,P\n")),
        now="2026-11-20 10:00",
    )
    out = app("explain", "1017", now="2026-11-20 10:00").stdout
    assert "1. nominal: 24 h before Mon 2026-11-30 07:30 (wall clock) -> Sun 2026-11-29 07:30" in out
    assert "2. window: before the window 09:00-20:00 -> Sun 2026-11-29 09:00" in out
    assert "3. sending-day: the next sending day is not before the visit day -> Fri 2026-11-27" in out
    assert "=> send at 2026-11-27 09:00" in out
    doc = app.json("explain", "1017", now="2026-11-20 10:00")
    assert doc["reminder"]["status"] == "planned" and doc["send_at"] == "2026-11-27 09:00"
    assert "no appointment with id '999'" in app("explain", "999", code=1).stderr


def test_explain_ambiguous_id_needs_practice(app: Cli) -> None:
    app(
        "import",
        str(
            csv_file(
                app.folder, HEAD + "1,2026-12-01 10:00,601234567,A,P\n1,2026-12-01 10:00,601234567,A,Q\n"
            )
        ),
        now="2026-11-20 10:00",
    )
    assert "exists at several practices ('P', 'Q'); add --practice" in app("explain", "1", code=1).stderr
    assert app.json("explain", "1", "--practice", "Q")["appointment"]["practice"] == "Q"


def test_optout_commands(app: Cli) -> None:
    app("optout", "add", "601 234 567", "--note", "asked at reception", now="2026-11-20 10:00")
    assert app.json("optout", "list") == [
        {
            "phone": "+48601234567",
            "added_at": "2026-11-20 10:00",
            "note": "asked at reception",
            "source": "manual",
        }
    ]
    assert "+48 601 *** *67" in app("optout").stdout
    app("optout", "remove", "+48 601-234-567")
    assert app.json("optout", "list") == []
    assert "is not on the opt-out list" in app("optout", "remove", "601234567", code=1).stderr


def test_purge_deletes_old_data_only(app: Cli) -> None:
    rows = HEAD + "1,2026-11-03 10:00,601234567,A,P\n2,2026-12-01 10:00,601234568,B,P\n"
    app("import", str(csv_file(app.folder, rows)), now="2026-10-20 10:00")
    app("run", now="2026-11-02 10:00")
    app("run", now="2026-11-30 10:00")
    assert len(app.outbox()) == 2
    doc = app.json("purge", "--before", "15.11.2026", now="2026-11-30 11:00")
    assert doc == {"appointments": 1, "messages": 1}
    assert [
        m["appointments"] for m in app.json("preview", "--date", "2026-11-30", now="2026-11-30 11:00")
    ] == [["2"]]
    assert app.json("preview", "--date", "2026-11-02", now="2026-11-30 11:00") == []


def test_config_readable_by_others_with_secrets_warns(tmp_path: Path) -> None:
    path = tmp_path / "smsremind.toml"
    path.write_text('[gateway]\ntoken = "abc"\n')
    path.chmod(0o644)
    CliRunner().invoke(cli, ["init"])  # refuses, but creates nothing; make a database for status
    from smsremind.config import load
    from smsremind.storage.store import Store

    Store(load(path).database, create=True).close()
    result = CliRunner().invoke(cli, ["status"])
    assert "holds secrets and is readable by others; run: chmod 600" in result.stderr
    assert "abc" not in result.output


def test_python_dash_m_entry_point(app: Cli) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "smsremind", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    assert done.returncode == 0 and "Send SMS appointment reminders" in done.stdout


def test_phone_numbers_in_gateway_reasons_are_masked_for_people() -> None:
    from smsremind.cli.app import mask_numbers

    assert mask_numbers("Twilio 21999: The 'To' number +48601234567 is not valid") == (
        "Twilio 21999: The 'To' number +48 601 *** *67 is not valid"
    )
    assert mask_numbers("SMSAPI 13: no valid number 601 234 567") == "SMSAPI 13: no valid number *** *** *67"
    assert mask_numbers("gateway error 503") == "gateway error 503"


def test_start_loads_no_pdf_or_http_library() -> None:
    """Every cron invocation pays for what the CLI imports at start: fpdf2 (with fontTools
    and Pillow, ~0.3 s) and requests (~0.09 s) load only in the commands that use them."""
    code = "import sys, smsremind.cli; print(sorted({m.split('.')[0] for m in sys.modules}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(out.stdout))
    assert "smsremind" in loaded and not loaded & {"fpdf", "fontTools", "PIL", "requests", "urllib3"}
