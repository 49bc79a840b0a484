"""A case over HTTP against `equivalence serve` as a real process, on both runtimes
(embedded SQLite and full PostgreSQL): curriculum import, POST /v1/cases, GET JSON and CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from tests.support.case_world import realistic
from tests.support.e2e import ADMIN_KEY, base_env, run_cli, serve

pytestmark = pytest.mark.e2e
HEADERS = {"X-API-Key": ADMIN_KEY}


def exercise(base: str) -> None:
    data = realistic()
    imported = httpx.post(f"{base}/admin/curricula", json=data["curriculo"], headers=HEADERS, timeout=30)
    assert imported.status_code == 201, imported.text
    body = {
        "historico": data["transcript"],
        "curriculo": {"versao": data["curriculo"]["version"], "id": data["curriculo"]["codigo_curriculo"]},
        "politica": {"validade_anos": 15, "limiar_carga": 0.9, "limite_percentual": 40},
        "student": {"matricula": "e2e-0001"},
    }
    answer = httpx.post(f"{base}/v1/cases", json=body, headers=HEADERS, timeout=120)
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert doc["resumo"]["horas_dispensadas"] <= doc["resumo"]["limite_horas"]
    assert {o["codigo"]: o["motivo"] for o in doc["origens_nao_usadas"]}["REDES-UNIRIO"] == "NOT_APPROVED"
    assert any(d["decisao"] == "DEFERIDO" for d in doc["destinos"])
    stored = httpx.get(f"{base}/v1/cases/{doc['case_id']}", headers=HEADERS, timeout=30)
    assert stored.status_code == 200 and stored.json() == doc
    exported = httpx.get(f"{base}/v1/cases/{doc['case_id']}", params={"format": "csv"}, headers=HEADERS, timeout=30)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == len(doc["destinos"]) + len(doc["origens_nao_usadas"])
    for destino in (d for d in doc["destinos"] if d["request_id"]):
        pair = httpx.get(f"{base}/v1/equivalences/{destino['request_id']}", headers=HEADERS, timeout=30)
        assert pair.status_code == 200 and pair.json()["decisao"] == destino["candidata"]["decisao_par"]
    assert httpx.get(f"{base}/v1/cases/no-such-case", headers=HEADERS, timeout=30).status_code == 404


def test_a_case_on_the_embedded_runtime(tmp_path: Path) -> None:
    for base in serve(base_env(tmp_path), tmp_path):
        exercise(base)


def test_a_case_on_the_full_runtime(tmp_path: Path, pg_url: str) -> None:
    env = base_env(tmp_path) | {"DATABASE_URL": pg_url, "API_KEY_PEPPER": "e2e-pepper-0123456789abcdef"}
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    assert run_cli(["seed"], env, tmp_path).returncode == 0
    for base in serve(env, tmp_path):
        exercise(base)
