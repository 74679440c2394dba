"""A local server that answers recorded bodies, for replaying official fixtures through our parsers.

Each request (any path, any method) is logged in ``requests`` and answered with the next
:class:`Reply` queued in ``answers`` (the last one is repeated). The fixture files live in
``tests/fakes/fixtures/``; each names the repository and path it was transcribed from (a
``_source`` key in JSON, a ``.src.txt`` file beside XML).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.fakeserver import FakeServer, Reply

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    """A JSON fixture without its ``_source`` key, or an XML fixture's bytes."""
    path = FIXTURES / name
    if path.suffix == ".xml":
        assert (FIXTURES / f"{path.stem}.src.txt").read_text().strip(), f"{name} names no source"
        return path.read_bytes()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc.pop("_source"), f"{name} names no source"
    return doc


class Replay(FakeServer):
    def __init__(self, *answers: Reply):
        super().__init__()
        self.answers = list(answers)

    def _serve(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[dict[str, Any], Reply]:
        split = urlsplit(raw_path)
        entry = {
            "method": method,
            "path": split.path,
            "query": dict(parse_qsl(split.query, keep_blank_values=True)),
            "form": dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)),
        }
        with self._lock:
            self.requests.append(entry)
            reply = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return entry, reply
