"""Request logs: one JSON line per request with metadata only — never ementa, context or keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.support.http_api import DESTINO, KEYS, ORIGEM, make_client, unique_id

SECRET_EMENTA = "Tópico-secreto-XYZZY de álgebra relacional"
SECRET_CONTEXT = "Maria-da-Silva-CPF-123.456.789-00"


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    yield from make_client(sqlite_url, tmp_path)


def test_request_id_is_accepted_and_returned(client: TestClient) -> None:
    given = client.get("/health", headers={"X-Request-Id": "caller-id-42"})
    assert given.headers["X-Request-Id"] == "caller-id-42"
    generated = client.get("/health", headers={"X-Request-Id": "bad id with spaces"})
    assert generated.headers["X-Request-Id"] != "bad id with spaces" and len(generated.headers["X-Request-Id"]) == 32


def test_logs_carry_metadata_and_no_private_data(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    body = {
        "request_id": unique_id("log"),
        "origem": {**ORIGEM, "ementa": ORIGEM["ementa"] + " " + SECRET_EMENTA},
        "destino": DESTINO,
        "context": {"aluno": SECRET_CONTEXT},
    }
    response = client.post(
        "/v1/equivalences/evaluate", json=body, headers={"X-API-Key": KEYS["client"], "X-Request-Id": "trace-77"}
    )
    assert response.status_code == 200
    client.post("/v1/equivalences/evaluate", json={**body, "origem": {"nome": "x"}}, headers={"X-API-Key": KEYS["client"]})
    client.get("/v1/equivalences/whatever-123", headers={"X-API-Key": "eqv_live_not-a-real-key-000000000"})
    output = capsys.readouterr().out
    for secret in (SECRET_EMENTA, "XYZZY", SECRET_CONTEXT, KEYS["client"], "not-a-real-key"):
        assert secret not in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    line = next(entry for entry in lines if entry.get("request_id") == "trace-77")
    assert line["tenant"] == "default" and line["route"] == "/v1/equivalences/evaluate"
    assert line["status"] == 200 and line["method"] == "POST" and line["latency_ms"] >= 0
    assert {entry["status"] for entry in lines if entry.get("event") == "request"} >= {200, 422, 401}
