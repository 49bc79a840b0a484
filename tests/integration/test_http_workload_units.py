"""Workload units over HTTP: hora-aula is converted before the rule, and its minutes are required."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.support.http_api import DESTINO, ORIGEM, evaluate, make_client, unique_id


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


def _rule(body: dict) -> dict:  # type: ignore[type-arg]
    return next(r for r in body["hard_rules"] if r["rule"] == "carga_horaria")


def test_hora_aula_counts_in_clock_hours(client: TestClient) -> None:
    origem = {**ORIGEM, "carga_horaria": 72, "unidade_carga": "hora_aula", "minutos_hora_aula": 50}
    response = evaluate(client, {"request_id": unique_id("ha-ok"), "origem": origem, "destino": DESTINO})
    assert response.status_code == 200, response.text
    rule = _rule(response.json())
    assert rule["ok"] and "origem 72 h/a de 50 min = 60h, destino 60h, mínimo exigido 60h" in rule["details"]
    assert response.json()["decisao"] == "DEFERIDO"


def test_hora_aula_short_of_clock_hours_is_rejected(client: TestClient) -> None:
    origem = {**ORIGEM, "unidade_carga": "hora_aula", "minutos_hora_aula": 50}  # 60 h/a = 50h
    body = evaluate(client, {"request_id": unique_id("ha-short"), "origem": origem, "destino": DESTINO}).json()
    assert body["decisao"] == "INDEFERIDO" and not _rule(body)["ok"]


@pytest.mark.parametrize(
    ("course", "field"),
    [
        ({"unidade_carga": "hora_aula"}, "origem.minutos_hora_aula"),
        ({"unidade_carga": "hora_aula", "minutos_hora_aula": 0}, "origem.minutos_hora_aula"),
        ({"unidade_carga": "hora_aula", "minutos_hora_aula": 121}, "origem.minutos_hora_aula"),
        ({"unidade_carga": "minutos"}, "origem.unidade_carga"),
    ],
)
def test_bad_unit_is_422_naming_the_field(client: TestClient, course: dict, field: str) -> None:  # type: ignore[type-arg]
    response = evaluate(client, {"request_id": unique_id("ha-bad"), "origem": {**ORIGEM, **course}, "destino": DESTINO})
    assert response.status_code == 422, response.text
    assert response.json()["extra"][0]["field"] == field


def test_default_unit_keeps_the_request_hash(client: TestClient) -> None:
    """Saying `hora_relogio` out loud is the same request as saying nothing: it replays, no 409."""
    request_id = unique_id("ha-same")
    first = evaluate(client, {"request_id": request_id, "origem": ORIGEM, "destino": DESTINO})
    explicit = {**ORIGEM, "unidade_carga": "hora_relogio"}
    again = evaluate(client, {"request_id": request_id, "origem": explicit, "destino": DESTINO})
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
