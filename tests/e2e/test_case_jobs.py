"""A large case as a job over real PostgreSQL and Redis: `serve` and `worker` processes, the
worker killed with SIGKILL in the middle of the case, another worker completes it exactly once."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.batch_e2e import sql
from tests.support.case_world import realistic
from tests.support.e2e import HEADERS, processes
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e
COPIES_UNITS, COPIES_COURSES = 8, 8


def _large(version: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The realistic curriculum and transcript, copied into a 64-unit curriculum and a 72-course
    histórico (codes suffixed): above the 60-course job threshold, and seconds of work for the worker."""
    data = realistic()
    units = [{**u, "codigo": f"{u['codigo']}-{i}"} for i in range(COPIES_UNITS) for u in data["curriculo"]["units"]]
    courses = [{**c, "codigo": f"{c['codigo']}-{i}"} for i in range(COPIES_COURSES) for c in data["transcript"]]
    curriculum = {**data["curriculo"], "version": version, "units": units}
    return curriculum, {"historico": courses, "curriculo": {"versao": version}, "politica": {"validade_anos": 15, "limiar_carga": 0.9}}


def _case(base: str, case_id: str) -> httpx.Response:
    return httpx.get(f"{base}/v1/cases/{case_id}", headers=HEADERS, timeout=30)


def test_worker_killed_mid_case_another_completes_it_once(full_env: dict[str, str], tmp_path: Path, pg_url: str) -> None:
    version = f"big-{uuid.uuid4().hex[:8]}"
    curriculum, body = _large(version)
    with processes(full_env, tmp_path) as running:
        base = running.serve()
        assert httpx.post(f"{base}/admin/curricula", json=curriculum, headers=HEADERS, timeout=60).status_code == 201
        accepted = httpx.post(f"{base}/v1/cases", json=body, headers=HEADERS, timeout=60)
        assert accepted.status_code == 202, accepted.text  # more than 60 courses: a job
        case_id = accepted.json()["case_id"]
        assert _case(base, case_id).json()["status"] == "queued"
        first = running.start("worker", "--threads", "1")
        wait_until(lambda: _case(base, case_id).json().get("status") == "running", timeout_s=60, interval_s=0.02, what="the case started")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert _case(base, case_id).status_code == 202, "the case finished before the crash drill"
        assert sql(pg_url, "SELECT count(*) FROM cases WHERE case_id = %s", case_id) == 0
        running.start("worker", "--threads", "2")
        done = wait_until(lambda: (r := _case(base, case_id)).status_code == 200 and r.json(), timeout_s=120, what="the case completed")
    assert done["case_id"] == case_id and len(done["destinos"]) == len(curriculum["units"])
    stored = sorted(d["request_id"] for d in done["destinos"] if d["request_id"])
    pattern = f"{case_id}.%"
    assert sql(pg_url, "SELECT count(*) FROM cases WHERE case_id = %s", case_id) == 1
    assert sql(pg_url, "SELECT count(*) FROM audit_events WHERE event_type = 'case' AND payload->>'case_id' = %s", case_id) == 1
    assert sql(pg_url, "SELECT count(*) FROM evaluation_results WHERE request_id LIKE %s", pattern) == len(stored)
    audited = "SELECT count(*) FROM audit_events WHERE event_type = 'evaluation' AND payload->>'request_id' LIKE %s"
    assert sql(pg_url, audited, pattern) == len(stored)
    assert sql(pg_url, "SELECT attempts FROM job_items WHERE job_id = %s", case_id) >= 2
