"""POST /v1/cases as a job (202), its progress on GET /v1/cases/{id}, then the case: both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support.case_world import realistic
from tests.support.http_api import KEYS, make_client
from tests.support.waiting import wait_until

CLIENT = {"X-API-Key": KEYS["client"]}
ADMIN = {"X-API-Key": KEYS["admin"]}
OTHER = {"X-API-Key": KEYS["other"]}
POLICY = {"validade_anos": 15, "limiar_carga": 0.9}


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


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
    assert client.get(f"/v1/jobs/{case_id}", headers=CLIENT).json()["status"] == "done"
    assert client.get(f"/v1/cases/{case_id}", headers=OTHER).status_code == 404
    assert client.get(f"/v1/cases/{case_id}?format=csv", headers=CLIENT).text.startswith("tipo_linha,")


def test_a_job_needs_a_stored_curriculum(client: TestClient) -> None:
    units = realistic()["curriculo"]["units"]
    refused = client.post("/v1/cases", json={"historico": realistic()["transcript"], "unidades": units, "assincrono": True}, headers=CLIENT)
    assert refused.status_code == 422, refused.text
    assert refused.json()["extra"][0]["field"] == "assincrono"
