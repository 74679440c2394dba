"""Gateway outages through the CLI (issue 11, items 4, 5, 19, 20, 21): never silent, never a
duplicate, never a redirect followed, never an hour-long run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from tests.fakes.fake_smsapi import FakeSmsapi
from tests.fakes.fake_smsbrana import FakeSmsbrana
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fakeserver import Reply, text_reply
from tests.fakes.replay import Replay
from tests.sending.test_gateways import FAKES, gateway_config, load

BIN = Path(sys.executable).parent / "smsremind"


def configured(make_app: Any, name: str, base: Any, workers: int = 4) -> Cli:
    keys = gateway_config(name, base).replace("workers = 4", f"workers = {workers}")
    return make_app("[quota]\nalerts = []\n" + keys)


def point_at(app: Cli, url: str) -> None:
    toml = app.folder / "smsremind.toml"
    text = toml.read_text()
    start = text.index('base_url = "') + len('base_url = "')
    toml.write_text(text[:start] + url + text[text.index('"', start) :])


def test_tls_failure_before_sending_is_held_and_sent_later(make_app) -> None:
    """Twilio has no key: a TLS handshake that failed sent nothing, so it is retried, not unknown."""
    with FakeTwilio() as fake:
        app = configured(make_app, "twilio", fake)
        load(app, 2)
        point_at(app, fake.url.replace("http://", "https://"))  # a plain-HTTP server: no handshake
        result = app("run", "--json", now="2026-11-30 19:00", code=3)
        assert '"held": 2' in result.stdout and '"unknown": 0' in result.stdout
        assert fake.accepted == [] and result.stderr.count("\n") == 1
        assert "answered nothing but errors" in result.stderr and "SSLError" in result.stderr
        point_at(app, fake.url)
        assert app.json("run", now="2026-11-30 19:05")["sent"] == 2
        assert len(fake.accepted) == 2


@pytest.mark.parametrize("name", list(FAKES))
@pytest.mark.parametrize("status", [307, 302])
def test_a_redirect_is_never_followed(make_app, name: str, status: int) -> None:
    with FAKES[name]() as fake:
        app = configured(make_app, name, fake)
        load(app, 1)

        def moved(path: str) -> Reply:
            return text_reply(status, "moved", Location=f"{fake.url}{path}")

        with Replay(moved("/anywhere")) as mirror:
            point_at(app, mirror.url)
            result = app("run", now="2026-11-30 19:00", code=1)
            assert result.stderr.count("\n") == 1
            assert f"HTTP {status}, a redirect to {fake.url}" in result.stderr
            assert "check [gateway] base_url" in result.stderr
            assert fake.requests == [] and len(mirror.requests) == 1
        point_at(app, fake.url)
        assert app.json("run", now="2026-11-30 19:05")["sent"] == 1  # held, not lost
        assert len(fake.accepted) == 1


@pytest.mark.parametrize("quiet", [(), ("-q",)], ids=["", "quiet"])
@pytest.mark.parametrize("name", list(FAKES))
def test_a_run_with_nothing_but_errors_exits_3_with_one_line(make_app, name: str, quiet: tuple) -> None:
    with FAKES[name]() as fake:
        app = configured(make_app, name, fake)
        load(app, 2)
        fake.rate_limit_next(times=100, retry_after=0)
        result = app(*quiet, "run", now="2026-11-30 19:00", code=3)
        assert quiet == () or result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith("smsremind: the gateway answered nothing but errors: 2 messages held")
        assert fake.accepted == []
        fake.reset_faults()
        assert app("run", now="2026-11-30 19:05").stderr == ""  # it works again: exit 0, nothing said


def test_retry_after_longer_than_the_run_may_wait_stops_it(make_app) -> None:
    with FakeSmsapi() as fake:
        app = configured(make_app, "smsapi", fake)
        load(app, 12)
        fake.rate_limit_next(times=100, retry_after=3600)
        started = time.monotonic()
        result = app("run", "--json", now="2026-11-30 19:00", code=3)
        assert time.monotonic() - started < 10  # not an hour, not minutes of per-message waits
        assert result.stderr.count("\n") == 1
        assert "asked to wait 3600 s (Retry-After)" in result.stderr and "12 messages wait" in result.stderr
        assert len(fake.requests) <= 4  # the workers' first attempts; nothing after the answer
        fake.reset_faults()
        assert app.json("run", now="2026-11-30 19:05")["sent"] == 12


def test_retry_after_past_the_window_stops_the_run(make_app) -> None:
    """20:00:30, the window's last minute: a 45 s wait (short enough otherwise) would end outside it."""
    with FakeSmsapi() as fake:
        app = configured(make_app, "smsapi", fake, workers=1)
        load(app, 2)
        fake.rate_limit_next(times=1, retry_after=45)
        started = time.monotonic()
        result = app("run", now="2026-11-30 20:00:30", code=3)
        assert "asked to wait 45 s" in result.stderr and len(fake.requests) == 1
        assert time.monotonic() - started < 10


def test_retry_after_is_one_wait_for_every_worker(make_app) -> None:
    """After one 429 with Retry-After: 2, no worker starts a request for 2 s (those already on
    their way when the answer came aside: they start within 0.45 s; each answer takes 0.3 s, so a
    worker that did not pause would start its next one about 0.6 s after the 429)."""
    with FakeSmsbrana() as fake:
        app = configured(make_app, "smsbrana", fake, workers=4)
        load(app, 20)
        fake.delay(0.3)
        fake.rate_limit_next(times=1, retry_after=2)
        report = app.json("run", now="2026-11-30 19:00")
        assert report["sent"] == 20
        [limited] = [r for r in fake.requests if r["status"] == 429]
        later = [
            r["t_start"] - limited["t_end"] for r in fake.requests if r["t_start"] > limited["t_end"] + 0.5
        ]
        assert later and min(later) >= 1.9, sorted(later)


def test_no_connection_pool_warnings(make_app) -> None:
    """Workers and the run's own look-ups share a pool big enough for all of them (a real process
    as cron starts it: urllib3's warnings would land on its stderr)."""
    with FakeTwilio() as fake:
        app = configured(make_app, "twilio", fake, workers=3)
        load(app, 24)
        fake.delay(0.1)
        fake.drop_next(times=12)  # each is looked up by the main thread while the workers send
        env = {"PATH": os.environ["PATH"]}
        argv = [str(BIN), "--config", str(app.folder / "smsremind.toml"), "--now", "2026-11-30 19:00", "run"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=app.folder)
        assert done.returncode == 3 and "unknown" in done.stdout  # the dropped ones
        # stderr holds the one line that sends cron's mail about the unknown ones, and no
        # urllib3 "Connection pool is full" warning
        assert "pool" not in done.stderr.lower()
        assert done.stderr.splitlines() == [
            "0 messages failed and 12 have an unknown fate; see `smsremind status`"
        ]


def test_connection_refused_is_held_not_unknown(make_app) -> None:
    with FakeSmsapi() as fake:
        app = configured(make_app, "smsapi", fake)
        url = fake.url
    load(app, 1)
    point_at(app, url)  # nobody listens there any more
    result = app("run", "--json", now="2026-11-30 19:00", code=3)
    assert '"held": 1' in result.stdout and "gateway unreachable" in result.stderr
