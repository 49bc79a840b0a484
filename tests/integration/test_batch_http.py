"""Batch over HTTP with the in-process broker and worker (real SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select, update

from adapters.persistence.database import create_engine_for
from adapters.persistence.sqla_models import EvaluationResultRow, JobItemRow, JobRow
from entrypoints.container import Container, build_container
from tests.support import http_api
from tests.support.http_api import DESTINO, KEYS, ORIGEM, count_jobs, make_client, pair, submit, unique_id, wait_finished

CONTAINERS: list[Container] = []


@pytest.fixture
def client(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """make_client of the HTTP tests (embedded runtime: in-process broker and worker threads)."""
    def recording(settings):  # type: ignore[no-untyped-def]
        CONTAINERS.append(build_container(settings))
        return CONTAINERS[-1]

    monkeypatch.setattr(http_api, "build_container", recording)
    yield from make_client(db_url, tmp_path, batch={"max_items": 5})
    CONTAINERS.clear()


def test_batch_runs_the_synchronous_pipeline_and_pages_results(client: TestClient) -> None:
    own_id = unique_id("batch-own")
    sync = client.post("/v1/equivalences/evaluate", json=pair(request_id=own_id), headers={"X-API-Key": KEYS["client"]})
    weaker = pair(origem={**ORIGEM, "ementa": "Linguagem SQL. Transações."})
    accepted = submit(client, [pair(request_id=own_id), pair(), weaker])
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["status"] == "queued" and body["total"] == 3
    job = wait_finished(client, body["job_id"])
    assert job["status"] == "done" and job["progress"] == {"done": 3, "failed": 0, "total": 3, "queued": 0, "running": 0, "dead_lettered": 0}
    assert job["timings"]["finished_at"] and job["timings"]["elapsed_ms"] >= 0

    headers = {"X-API-Key": KEYS["auditor"]}
    first = client.get(f"/v1/jobs/{body['job_id']}/results?limit=2", headers=headers).json()
    assert [i["index"] for i in first["items"]] == [0, 1] and first["next_cursor"]
    rest = client.get(f"/v1/jobs/{body['job_id']}/results?limit=2&cursor={first['next_cursor']}", headers=headers).json()
    assert [i["index"] for i in rest["items"]] == [2] and rest["next_cursor"] is None
    items = first["items"] + rest["items"]
    assert items[0]["result"] == sync.json()  # replayed: same (tenant, request_id), same payload
    assert items[1]["request_id"] == f"{body['job_id']}-1" and items[1]["result"]["decisao"] == "DEFERIDO"
    assert items[2]["result"]["decisao"] != "DEFERIDO"
    stored = client.get(f"/v1/equivalences/{items[1]['request_id']}", headers=headers)
    final = {"decisao_final", "decisao_final_origem", "revisao"}  # the GET adds the review outcome
    assert stored.status_code == 200
    assert {k: v for k, v in stored.json().items() if k not in final} == items[1]["result"]
    assert stored.json()["decisao_final_origem"] == "automatica"


def test_jobs_are_tenant_scoped(client: TestClient) -> None:
    job_id = submit(client, [pair()]).json()["job_id"]
    wait_finished(client, job_id)
    other = {"X-API-Key": KEYS["other"]}
    missing = client.get("/v1/jobs/no-such-job", headers={"X-API-Key": KEYS["client"]})
    assert client.get(f"/v1/jobs/{job_id}", headers=other).status_code == 404 and missing.status_code == 404
    assert client.get(f"/v1/jobs/{job_id}/results", headers=other).status_code == 404


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([pair(), pair(origem={**ORIGEM, "ementa": "abc"})], "items[1].origem.ementa"),
        ([pair(), pair(), pair(destino={**DESTINO, "carga_horaria": 0})], "items[2].destino.carga_horaria"),
        ([pair(request_id="same-id-0001"), pair(request_id="same-id-0001")], "items[1].request_id"),
        ([pair()] * 6, "items"),
        ([], "items"),
    ],
)
def test_an_invalid_item_is_422_naming_it_and_nothing_is_queued(
    client: TestClient, db_url: str, items: list[dict], field: str
) -> None:
    before = count_jobs(db_url)
    response = submit(client, items)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["extra"]], response.json()
    assert count_jobs(db_url) == before


def test_a_deterministic_error_fails_the_item_at_once(client: TestClient) -> None:
    job_id = submit(client, [pair(), pair(taxonomy_version="no-such-version")]).json()["job_id"]
    job = wait_finished(client, job_id)
    assert job["status"] == "done" and job["progress"]["done"] == 1 and job["progress"]["failed"] == 1
    failed = client.get(f"/v1/jobs/{job_id}/results", headers={"X-API-Key": KEYS["client"]}).json()["items"][1]
    assert failed["status"] == "failed" and "no-such-version" in failed["error"] and failed["result"] is None
    only_bad = wait_finished(client, submit(client, [pair(taxonomy_version="no-such-version")]).json()["job_id"])
    assert only_bad["status"] == "failed"


def test_batch_roles_and_admin_queue_routes(client: TestClient) -> None:
    assert submit(client, [pair()], key="auditor").status_code == 403
    assert client.get("/admin/queue", headers={"X-API-Key": KEYS["client"]}).status_code == 403
    admin = {"X-API-Key": KEYS["admin"]}
    info = client.get("/admin/queue", headers=admin)
    assert info.status_code == 200, info.text
    assert info.json()["queues"][0]["queue"] == "batch" and "jobs" in info.json()["backlog"]
    assert client.get("/admin/dlq", headers=admin).json() == []
    assert client.post("/admin/dlq/requeue", json={}, headers=admin).status_code == 422
    assert client.post("/admin/dlq/requeue", json={"all": True}, headers=admin).json() == {"requeued": 0, "discarded": 0}
    unknown = client.post("/admin/dlq/requeue", json={"item": "nope:1"}, headers=admin)
    assert unknown.status_code == 404 and unknown.json()["detail"] == "no dead letter 'nope:1'"


def test_reconciler_reenqueues_a_stuck_item_once(client: TestClient, db_url: str) -> None:
    """An item left running by a dead worker (its message gone) is recovered, once."""
    job_id = submit(client, [pair()]).json()["job_id"]
    wait_finished(client, job_id)
    engine = create_engine_for(db_url)
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(JobItemRow).where(JobItemRow.job_id == job_id).values(status="running", result=None, updated_at=long_ago)
            )
            connection.execute(update(JobRow).where(JobRow.job_id == job_id).values(finished_at=None, status="running"))
        reconcile = CONTAINERS[-1].use_cases.reconcile()
        assert reconcile() == 1 and reconcile() == 0
        job = wait_finished(client, job_id)
        assert job["status"] == "done" and job["timings"]["finished_at"]
        with engine.connect() as connection:
            request_id = f"{job_id}-0"
            rows = connection.scalar(
                select(func.count()).select_from(EvaluationResultRow).where(EvaluationResultRow.request_id == request_id)
            )
        assert rows == 1
    finally:
        engine.dispose()


def test_concurrent_retries_with_one_idempotency_key_make_one_job(client: TestClient, db_url: str) -> None:
    """A client retrying after a timeout: the same key and body answer the first job."""
    key, body = unique_id("batch-key"), {"items": [pair(), pair(request_id=unique_id("batch-item"))]}
    headers = {"X-API-Key": KEYS["client"], "Idempotency-Key": key}
    before = count_jobs(db_url)

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: client.post("/v1/equivalences/batch", json=body, headers=headers), range(10)))

    assert [a.status_code for a in answers] == [202] * 10, [a.text for a in answers]
    assert len({a.json()["job_id"] for a in answers}) == 1 and count_jobs(db_url) == before + 1
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == [""] + ["true"] * 9
    job_id = answers[0].json()["job_id"]
    assert wait_finished(client, job_id)["progress"]["done"] == 2

    later = client.post("/v1/equivalences/batch", json=body, headers=headers)
    assert (later.status_code, later.json()["job_id"], later.json()["status"]) == (202, job_id, "done")
    assert later.headers["Idempotent-Replayed"] == "true"
    other_body = client.post("/v1/equivalences/batch", json={"items": [pair()]}, headers=headers)
    assert other_body.status_code == 409, other_body.text
    assert f"Idempotency-Key '{key}' was already used with a different batch body" in other_body.json()["detail"]
    assert count_jobs(db_url) == before + 1
    assert submit(client, body["items"]).json()["job_id"] != job_id  # without the header: a new job, as before


def test_an_item_whose_request_id_is_stored_with_another_payload_is_409_naming_it(
    client: TestClient, db_url: str
) -> None:
    own_id = unique_id("batch-used")
    evaluated = client.post("/v1/equivalences/evaluate", json=pair(request_id=own_id), headers={"X-API-Key": KEYS["client"]})
    assert evaluated.status_code == 200, evaluated.text
    before = count_jobs(db_url)

    changed = pair(request_id=own_id, origem={**ORIGEM, "ementa": "Linguagem SQL. Transações."})
    response = submit(client, [pair(), changed])

    assert response.status_code == 409, response.text
    assert [e["field"] for e in response.json()["extra"]] == ["items[1].request_id"]
    assert f"'{own_id}' was already used with a different payload" in response.json()["detail"]
    assert count_jobs(db_url) == before
