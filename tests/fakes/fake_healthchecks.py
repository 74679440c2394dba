"""A local push monitor in the style of healthchecks.io's ping API, for `[monitoring] ping_url`.

``GET /ping/<uuid>`` records a success, ``GET /ping/<uuid>/fail`` a failure; both answer 200 ``OK``
(HEAD and POST are accepted by the real service too). An unknown uuid answers 404 ``not found``.
Source of the URL shapes: the healthchecks.io "Pinging API" documentation
(https://healthchecks.io/docs/http_api/); Uptime Kuma's push monitors take a plain GET the same way.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.fakeserver import FakeServer, Reply, text_reply


class FakeHealthchecks(FakeServer):
    methods = ("GET", "HEAD", "POST")

    def __init__(self, uuid: str = "5f3c0d6e-1b7a-4c1e-9a55-0d3f2b8e7c11") -> None:
        super().__init__()
        self.uuid = uuid
        self.pings: list[str] = []  # "success" | "fail", in arrival order

    @property
    def ping_url(self) -> str:
        return f"{self.url}/ping/{self.uuid}"

    def _serve(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[dict[str, Any] | None, Reply]:
        path = raw_path.split("?", 1)[0].rstrip("/")
        kinds = {f"/ping/{self.uuid}": "success", f"/ping/{self.uuid}/fail": "fail"}
        kind = kinds.get(path)
        if kind:
            self.pings.append(kind)
        return self._logged(
            {"method": method, "path": raw_path},
            lambda: text_reply(200, "OK") if kind else text_reply(404, "not found"),
        )
