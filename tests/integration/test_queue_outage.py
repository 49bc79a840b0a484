"""The batch queue's Redis refused or hung: admin routes answer 503 with Retry-After and log
one line; nothing waits forever (full runtime, real PostgreSQL, Redis reached through a
TcpProxy that is cut or made a black hole)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from entrypoints.asgi import create_app
from entrypoints.settings import FULL
from tests.support import http_api as test_http_api
from tests.support.http_api import KEYS, make_client
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.postgres]
ADMIN = {"X-API-Key": KEYS["admin"]}


@pytest.fixture(params=["refused", "hung"])
def client_without_queue(
    request: pytest.FixtureRequest, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """A full-runtime app whose REDIS_URL leads to a port that refuses, or accepts and never answers."""
    # as served (debug off): Litestar's debug mode would log every handled exception with its traceback
    monkeypatch.setattr(test_http_api, "create_app", lambda container, debug: create_app(container, debug=False))
    with TcpProxy("127.0.0.1", 6379) as proxy:
        if request.param == "refused":
            proxy.cut()
        else:
            proxy.blackhole()
        yield from make_client(
            postgres_url,
            tmp_path,
            redis_url=f"redis://127.0.0.1:{proxy.port}/0",
            runtime=FULL,
            batch={"redis_timeout_s": 1},
            rate_limits={"enabled": False},
        )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/admin/queue", None), ("GET", "/admin/dlq", None), ("POST", "/admin/dlq/requeue", {"all": True})],
)
def test_admin_queue_routes_answer_503_with_retry_after_and_one_log_line(
    client_without_queue: TestClient, method: str, path: str, body: dict | None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    answer = client_without_queue.request(method, path, json=body, headers=ADMIN)

    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["detail"] == "Batch queue unavailable; retry shortly"
    out = capsys.readouterr().out
    assert "Traceback" not in out
    lines = [json.loads(line) for line in out.splitlines() if '"queue unavailable"' in line]
    assert len(lines) == 1 and lines[0]["level"] == "warning" and "QueueUnavailable" not in lines[0]["error"]
