"""The HTTP stack over a real database for integration tests: seeded keys, a small taxonomy, request helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import func, select

from adapters.persistence.database import create_engine_for
from adapters.persistence.sqla_models import JobRow
from adapters.system import SystemClock, UuidGenerator
from core.domain.api_keys import hash_key, key_prefix
from core.domain.model import Policy, Taxonomy, TaxonomyNode
from core.domain.records import ApiKeyRecord, Role, Tenant
from core.usecases.bootstrap import Seed
from entrypoints.asgi import create_app
from entrypoints.container import Container, build_container
from entrypoints.settings import EMBEDDED
from tests.support.settings import test_settings
from tests.support.waiting import wait_until


PEPPER = b"http-test-pepper-0123456789"
KEYS = {
    "admin": "eqv_live_admin-key-for-http-tests-000",
    "client": "eqv_live_client-key-for-http-tests-00",
    "auditor": "eqv_live_auditor-key-for-http-tests-0",
    "revoked": "eqv_live_revoked-key-for-http-tests-0",
    "other": "eqv_live_other-tenant-key-for-tests-0",
    "reviewer": "eqv_live_reviewer-key-for-http-tests",
    "coordinator": "eqv_live_coordinator-key-for-http-tst",
}
TAXONOMY = Taxonomy(
    "http-test-1",
    (
        TaxonomyNode("bd.er", "computacao", "banco de dados", "Modelo entidade-relacionamento", keywords=("entidade-relacionamento", "modelo er"), critico=True),
        TaxonomyNode("bd.sql", "computacao", "banco de dados", "Linguagem SQL", keywords=("sql", "linguagem sql")),
        TaxonomyNode("bd.normal", "computacao", "banco de dados", "Normalização", keywords=("normalizacao", "formas normais")),
        TaxonomyNode("bd.trans", "computacao", "banco de dados", "Transações", keywords=("transacoes", "controle de concorrencia")),
    ),
)
ORIGEM: dict[str, Any] = {
    "nome": "Banco de Dados I",
    "carga_horaria": 60,
    "aprovado": True,
    "ementa": "Modelo entidade-relacionamento. Linguagem SQL. Normalização e formas normais. Transações.",
}
DESTINO: dict[str, Any] = {"nome": "Banco de Dados", "carga_horaria": 60, "ementa": "Modelo entidade-relacionamento. SQL. Normalização. Transações."}


def make_client(
    db_url: str, tmp_path: Path, redis_url: str | None = None, *, runtime: str = EMBEDDED,
    containers: list[Container] | None = None, **sections: Any
) -> Iterator[TestClient]:
    """`sections` change settings as test_settings does (e.g. batch={"max_items": 5});
    `containers`: a list the app's container is appended to (tests that look inside it)."""
    settings = test_settings(
        runtime=runtime,  # type: ignore[arg-type]
        var_dir=tmp_path,
        database_url=db_url,
        redis_url=redis_url,
        api_key_pepper=PEPPER,
        bootstrap_api_key=KEYS["admin"],
        **sections,
    )
    container = build_container(settings)
    if containers is not None:
        containers.append(container)
    uow_factory = container.adapters.uow_factory()
    clock, ids = SystemClock(), UuidGenerator()
    Seed(uow_factory, PEPPER, clock, ids)(TAXONOMY, Policy(), KEYS["admin"])
    now = clock.now()
    with uow_factory() as uow:
        if uow.tenants.get("other") is None:
            uow.tenants.add(Tenant("other", "Outra universidade", True, TAXONOMY.version, "default-v1"))
        for name, tenant, role, revoked in (
            ("client", "default", Role.CLIENT, None),
            ("auditor", "default", Role.AUDITOR, None),
            ("revoked", "default", Role.CLIENT, now),
            ("other", "other", Role.ADMIN, None),
            ("reviewer", "default", Role.REVIEWER, None),
            ("coordinator", "default", Role.COORDINATOR, None),
        ):
            key = KEYS[name]
            if uow.api_keys.find_by_hash(hash_key(key, PEPPER)) is None:
                uow.api_keys.add(ApiKeyRecord(ids.new_id(), tenant, key_prefix(key), hash_key(key, PEPPER), role, name, now, revoked))
        uow.commit()
    with TestClient(create_app(container, debug=True)) as test_client:
        yield test_client
    container.adapters.engine().dispose()


def forget_cached_mappings(redis_url: str) -> None:
    """The mapping-cache entries of the test taxonomy: the shared Redis keeps nothing of a test."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"*:{TAXONOMY.version}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def evaluate(client: TestClient, body: dict, key: str = "client", **headers: str):  # type: ignore[no-untyped-def]
    return client.post("/v1/equivalences/evaluate", json=body, headers={"X-API-Key": KEYS[key], **headers})


def unique_id(tag: str) -> str:
    return f"{tag}-{dt.datetime.now(dt.timezone.utc).strftime('%H%M%S%f')}"


def submit(client: TestClient, items: list[dict], key: str = "client"):  # type: ignore[no-untyped-def]
    return client.post("/v1/equivalences/batch", json={"items": items}, headers={"X-API-Key": KEYS[key]})


def wait_finished(client: TestClient, job_id: str, timeout: float = 60.0) -> dict:
    def finished() -> dict | None:
        job = client.get(f"/v1/jobs/{job_id}", headers={"X-API-Key": KEYS["client"]}).json()
        # finished_at is recorded just after the last item's own commit
        return job if job["status"] in ("done", "failed") and job["timings"]["finished_at"] else None

    return wait_until(finished, timeout_s=timeout, what=f"job {job_id} finishes")


def pair(**changes: object) -> dict:
    return {"origem": dict(ORIGEM), "destino": dict(DESTINO), **changes}


def count_jobs(db_url: str) -> int:
    engine = create_engine_for(db_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(JobRow)) or 0)
    finally:
        engine.dispose()
