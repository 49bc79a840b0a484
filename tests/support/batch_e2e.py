"""Helpers of the batch e2e tests: a weak pair, result paging and exactly-once checks in SQL."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from tests.support.e2e import HEADERS, PAIR

WEAK = {**PAIR, "origem": {**PAIR["origem"], "ementa": "Linguagem SQL: consultas. Transações."}}


def all_results(base: str, job_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "500", **({"cursor": cursor} if cursor else {})}
        page = httpx.get(f"{base}/v1/jobs/{job_id}/results", params=params, headers=HEADERS, timeout=30).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def sql(pg_url: str, query: str, *params: Any) -> Any:
    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        cursor = connection.execute(query, params)
        row = cursor.fetchone() if cursor.description else None
        return row[0] if row else None


def assert_exactly_once(pg_url: str, job_id: str, total: int) -> None:
    """One stored result and one audit event per item: nothing lost, nothing done twice."""
    pattern = f"{job_id}-%"
    assert sql(pg_url, "SELECT count(*) FROM evaluation_results WHERE request_id LIKE %s", pattern) == total
    assert sql(pg_url, "SELECT count(DISTINCT request_id) FROM evaluation_results WHERE request_id LIKE %s", pattern) == total
    audited = "SELECT count(*) FROM audit_events WHERE event_type = 'evaluation' AND payload->>'request_id' LIKE %s"
    assert sql(pg_url, audited, pattern) == total
