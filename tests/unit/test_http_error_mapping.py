"""Faults answered for what they are: a database data error is the caller's 422, a lost
connection a 503, anything unexpected a generic 500 logged as one JSON line with its traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from adapters.http.app import Serving, create_app
from core.domain.records import Principal, Role
from core.usecases.evaluate import EvaluatePair
from entrypoints.asgi import handler_dependencies
from entrypoints.logging_config import configure_logging
from tests.support.containers import test_container

KEY = {"X-API-Key": "any-key-the-fake-accepts"}
COURSE = {"nome": "Calculo I", "carga_horaria": 60, "ementa": "Limites e derivadas"}
BODY = {"origem": COURSE, "destino": COURSE}


class RaisingEvaluatePair(EvaluatePair):
    def __init__(self, exc: Exception) -> None:  # no collaborators: it only fails
        self.exc = exc

    def __call__(self, command: Any, also: Any = None) -> Any:
        raise self.exc


def client_raising(exc: Exception) -> TestClient[Any]:

    def authenticate(key: str | None) -> Principal | None:
        return Principal("tenant-x", "key-1", Role.CLIENT) if key else None

    container = test_container()
    container.use_cases.evaluate_pair.override(RaisingEvaluatePair(exc))
    handlers = {**handler_dependencies(container), "readiness": lambda: dict}
    serving = Serving(authenticate=authenticate)  # type: ignore[arg-type]
    return TestClient(create_app(handlers, serving))


def raised(make: Callable[[], Exception]) -> Exception:
    try:
        raise make()
    except Exception as exc:  # noqa: BLE001 - a raised exception carries its traceback
        return exc


def test_a_database_data_error_is_422_without_the_statement_or_value() -> None:
    orig = psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    error = DataError("INSERT INTO results VALUES (%(ementa)s)", {"ementa": "secret-ementa"}, orig)
    with client_raising(error) as client:
        response = client.post("/v1/equivalences/evaluate", json=BODY, headers=KEY)
    assert response.status_code == 422 and "Retry-After" not in response.headers
    assert "NUL (0x00)" in response.json()["extra"][0]["message"]
    assert "secret-ementa" not in response.text and "INSERT" not in response.text


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT 1", {}, psycopg.OperationalError("connection refused")),
        PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
    ],
)
def test_a_lost_connection_or_an_exhausted_pool_is_503_with_retry_after(error: Exception) -> None:
    with client_raising(error) as client:
        response = client.post("/v1/equivalences/evaluate", json=BODY, headers=KEY)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"


@pytest.mark.parametrize(
    "make",
    [
        lambda: RuntimeError("boom with internal detail"),
        lambda: IntegrityError("INSERT", {}, psycopg.IntegrityError("duplicate key")),
    ],
)
def test_an_unexpected_error_is_a_generic_500_and_one_json_log_line(
    make: Callable[[], Exception], capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging()
    with client_raising(raised(make)) as client:
        response = client.post("/v1/equivalences/evaluate", json=BODY, headers=KEY)
    assert response.status_code == 500
    assert response.json() == {"status_code": 500, "detail": "Internal server error", "extra": None}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    failures = [line for line in lines if line["event"] == "unhandled_exception"]
    assert len(failures) == 1 and failures[0]["level"] == "error"
    assert failures[0]["route"] == "/v1/equivalences/evaluate" and failures[0]["tenant"] == "tenant-x"
    assert failures[0]["exception"].startswith("Traceback") and failures[0]["error_type"] in failures[0]["exception"]
