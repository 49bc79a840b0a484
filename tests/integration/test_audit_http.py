"""GET /admin/audit and /admin/audit/verify over the real stack: roles, tenancy, pages, tampering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import update

from adapters.persistence.migrate import upgrade_to_head
from tests.support.audit_db import EVENTS, AuditDb
from tests.support.http_api import DESTINO, KEYS, ORIGEM, evaluate, make_client, pair, submit, unique_id, wait_finished


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


def get(client: TestClient, path: str, key: str | None = "admin", **params: Any):  # type: ignore[no-untyped-def]
    headers = {} if key is None else {"X-API-Key": KEYS[key]}
    return client.get(path, params=params, headers=headers)


def test_admin_and_auditor_page_through_their_tenants_events(client: TestClient) -> None:
    start = get(client, "/admin/audit/verify").json()["last_seq"]
    request_ids = [unique_id(f"aud{n}") for n in range(3)]
    for request_id in request_ids:
        assert evaluate(client, {"request_id": request_id, "origem": ORIGEM, "destino": DESTINO}).status_code == 200
    first = get(client, "/admin/audit", "auditor", after_seq=start, limit=2)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [e["seq"] for e in page["events"]] == [start + 1, start + 2] and page["next_after_seq"] == start + 2
    rest = get(client, "/admin/audit", "admin", after_seq=page["next_after_seq"], limit=2).json()
    events = page["events"] + rest["events"]
    assert [e["payload"]["request_id"] for e in events] == request_ids and rest["next_after_seq"] is None
    assert set(events[0]) == {"seq", "event_type", "payload", "created_at", "prev_hash", "hash"}
    assert events[1]["prev_hash"] == events[0]["hash"] and events[0]["event_type"] == "evaluation"
    assert ORIGEM["ementa"] not in str(events)  # hashes of the ementas only
    typed = get(client, "/admin/audit", after_seq=start, event_type="evaluation", since=events[1]["created_at"]).json()
    assert [e["seq"] for e in typed["events"]] == [start + 2, start + 3]


def test_verify_reports_an_intact_chain(client: TestClient) -> None:
    evaluate(client, {"request_id": unique_id("ver"), "origem": ORIGEM, "destino": DESTINO})
    for key in ("admin", "auditor"):
        report = get(client, "/admin/audit/verify", key)
        assert report.status_code == 200
        body = report.json()
        assert body["ok"] is True and body["problems"] == [] and body["tenant_id"] == "default"
        assert body["events_checked"] == body["last_seq"] == body["head"]["last_seq"] >= 1


def test_roles_and_tenancy(client: TestClient) -> None:
    request_id = unique_id("ten")
    evaluate(client, {"request_id": request_id, "origem": ORIGEM, "destino": DESTINO})
    for path in ("/admin/audit", "/admin/audit/verify"):
        assert get(client, path, "client").status_code == 403
        assert get(client, path, None).status_code == 401
        assert get(client, path, "revoked").status_code == 401
    seen_by_other, after = [], 0
    while after is not None:  # every page of the other tenant's trail
        page = get(client, "/admin/audit", "other", after_seq=after, limit=500).json()
        seen_by_other += page["events"]
        after = page["next_after_seq"]
    assert request_id not in str(seen_by_other)
    assert get(client, "/admin/audit/verify", "other").json()["tenant_id"] == "other"


def test_each_batch_items_decision_is_audited_with_its_job_and_index(client: TestClient) -> None:
    start = get(client, "/admin/audit/verify").json()["last_seq"]
    job = submit(client, [pair(), pair(request_id=unique_id("bat"))]).json()
    wait_finished(client, job["job_id"])
    events = get(client, "/admin/audit", after_seq=start, event_type="evaluation").json()["events"]
    placed = sorted((e["payload"]["job_id"], e["payload"]["index"]) for e in events)
    assert placed == [(job["job_id"], 0), (job["job_id"], 1)]
    assert get(client, "/admin/audit/verify").json()["ok"] is True


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0}, {"limit": 501}, {"limit": "x"}, {"after_seq": -1}, {"after_seq": 2**63},
        {"since": "yesterday"}, {"event_type": "e" * 101}, {"event_type": ""}, {"event_type": "a\x00b"},
    ],
)
def test_bad_query_is_422(client: TestClient, params: dict) -> None:
    response = get(client, "/admin/audit", **params)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("params", [{"since": "0001-01-01T00:00:00+01:00"}, {"until": "9999-12-31T23:59:59-05:00"}])
def test_time_bounds_beyond_utc_mean_no_bound(client: TestClient, params: dict) -> None:
    response = get(client, "/admin/audit", **params)
    assert response.status_code == 200 and response.json()["events"], response.text


def test_openapi_declares_the_audit_routes(client: TestClient) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert paths["/admin/audit"]["get"]["operationId"] == "listAuditEvents"
    assert {"401", "403", "422"} <= set(paths["/admin/audit"]["get"]["responses"])
    assert paths["/admin/audit/verify"]["get"]["operationId"] == "verifyAuditChain"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of this test's own: the test switches the append-only protection off."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    url = request.getfixturevalue("pg_database_factory")()
    upgrade_to_head(url)
    return url


def test_verify_finds_an_altered_decision(fresh_db_url: str, tmp_path: Path) -> None:
    db = AuditDb(fresh_db_url, {}, tmp_path)
    try:
        for client in make_client(fresh_db_url, tmp_path):
            for n in range(3):
                evaluate(client, {"request_id": unique_id(f"tam{n}"), "origem": ORIGEM, "destino": DESTINO})
            target = get(client, "/admin/audit", limit=500).json()["events"][-2]
            payload = {**target["payload"], "decisao": "INDEFERIDO"}
            with db.unprotected() as connection:
                where = (EVENTS.c.tenant_id == "default") & (EVENTS.c.seq == target["seq"])
                connection.execute(update(EVENTS).where(where).values(payload=payload))
            report = get(client, "/admin/audit/verify", "auditor")
            assert report.status_code == 200
            body = report.json()
            assert body["ok"] is False
            assert [(p["seq"], p["kind"]) for p in body["problems"]] == [(target["seq"], "altered")]
    finally:
        db.engine.dispose()
