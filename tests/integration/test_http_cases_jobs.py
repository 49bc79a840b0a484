"""POST /v1/cases as a job (202), its progress on GET /v1/cases/{id} and GET /v1/jobs/{id}, then the case:
both databases."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from core.domain.records import Job, JobItem, JobStatus
from entrypoints.container import Container
from tests.support.case_world import realistic
from tests.support.http_api import DESTINO, KEYS, ORIGEM, make_client
from tests.support.waiting import wait_until

CLIENT = {"X-API-Key": KEYS["client"]}
ADMIN = {"X-API-Key": KEYS["admin"]}
OTHER = {"X-API-Key": KEYS["other"]}
POLICY = {"validade_anos": 15, "limiar_carga": 0.9}


@pytest.fixture
def containers() -> list[Container]:
    return []


@pytest.fixture
def client(db_url: str, tmp_path: Path, containers: list[Container]) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path, containers=containers)


def _curriculum(client: TestClient) -> str:
    version = f"case-{uuid.uuid4().hex[:8]}"
    created = client.post("/admin/curricula", json={**realistic()["curriculo"], "version": version}, headers=ADMIN)
    assert created.status_code == 201, created.text
    return version


def _decisions(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    return [(d["codigo"], d["decisao"], d["origens"]) for d in document["destinos"]]


def test_a_case_as_a_job_answers_202_then_the_case(client: TestClient) -> None:
    version = _curriculum(client)
    body = {"historico": realistic()["transcript"], "curriculo": {"versao": version}, "politica": POLICY}
    accepted = client.post("/v1/cases", json={**body, "assincrono": True}, headers=CLIENT)
    assert accepted.status_code == 202, accepted.text
    case_id = accepted.json()["case_id"]
    assert accepted.json()["resultado"] == f"/v1/cases/{case_id}"
    first = client.get(f"/v1/cases/{case_id}", headers=CLIENT)
    assert first.status_code in (200, 202)
    if first.status_code == 202:
        assert first.json()["status"] in ("queued", "running")
    done = wait_until(lambda: (r := client.get(f"/v1/cases/{case_id}", headers=CLIENT)).status_code == 200 and r.json(), what="the case job")
    assert done["case_id"] == case_id
    sync = client.post("/v1/cases", json={**body, "assincrono": False}, headers=CLIENT).json()
    assert _decisions(done) == _decisions(sync)
    job = client.get(f"/v1/jobs/{case_id}", headers=CLIENT).json()
    assert job["status"] == "done"
    scored = job["case_progress"]  # the worker's last word: every unit scored
    assert scored["fase"] == "avaliando" and scored["unidades_avaliadas"] == scored["unidades_total"] > 0
    assert client.get(f"/v1/cases/{case_id}", headers=OTHER).status_code == 404
    assert client.get(f"/v1/cases/{case_id}?format=csv", headers=CLIENT).text.startswith("tipo_linha,")


def test_a_job_needs_a_stored_curriculum(client: TestClient) -> None:
    units = realistic()["curriculo"]["units"]
    refused = client.post("/v1/cases", json={"historico": realistic()["transcript"], "unidades": units, "assincrono": True}, headers=CLIENT)
    assert refused.status_code == 422, refused.text
    assert refused.json()["extra"][0]["field"] == "assincrono"


def test_a_running_case_job_shows_its_units_scored_on_the_job_as_on_the_case(
    client: TestClient, containers: list[Container]
) -> None:
    """A case job's worker stores its progress on the job (every N units): GET /v1/jobs/{id} shows it
    as `case_progress`, the same figures GET /v1/cases/{id} shows as `progresso`; a batch job's is null."""
    uows = containers[0].adapters.uow_factory()
    case_id = uuid.uuid4().hex
    now = dt.datetime.now(dt.timezone.utc)
    with uows() as uow:  # a case job a worker is on (no queue message: nothing else runs it)
        uow.jobs.add(Job(case_id, "default", JobStatus.QUEUED, 1, now), [JobItem(case_id, 0, case_id, {"kind": "case"})])
        assert uow.jobs.claim_item(case_id, 0, now) is not None
        uow.jobs.mark_started(case_id, now)
        uow.commit()
    job = client.get(f"/v1/jobs/{case_id}", headers=CLIENT).json()
    assert job["status"] == "running" and job["case_progress"] is None  # nothing scored yet
    shown = {"fase": "avaliando", "unidades_avaliadas": 20, "unidades_total": 60}
    with uows() as uow:
        uow.jobs.set_progress(case_id, shown)
        uow.commit()
    job = client.get(f"/v1/jobs/{case_id}", headers=CLIENT).json()
    case = client.get(f"/v1/cases/{case_id}", headers=CLIENT)
    assert case.status_code == 202, case.text
    assert job["status"] == case.json()["status"] == "running"
    assert job["case_progress"] == case.json()["progresso"] == shown
    assert client.get(f"/v1/jobs/{case_id}", headers=OTHER).status_code == 404
    batch = client.post("/v1/equivalences/batch", json={"items": [{"origem": ORIGEM, "destino": DESTINO}]}, headers=CLIENT)
    assert batch.status_code == 202, batch.text
    assert client.get(f"/v1/jobs/{batch.json()['job_id']}", headers=CLIENT).json()["case_progress"] is None
    with uows() as uow:  # end the job so no reconciler or later test finds it pending
        uow.jobs.finish_item(case_id, 0, JobStatus.FAILED, "ended by the test", now)
        uow.commit()
