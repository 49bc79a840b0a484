"""Metrics across real processes: `serve --workers 2` and `worker --processes 2` each sum their
processes through a shared multiprocess directory (created and removed by the command)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.e2e import ADMIN_KEY, PAIR, answers, base_env, finished, free_port, processes, submit, wait_for, wait_until_healthy
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


def scrape(url: str, token: str | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(url, timeout=10, headers={"Authorization": f"Bearer {token}"} if token else {})
    assert response.status_code == 200, response.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    """Sum of the samples named `name` whose labels include `labels`."""
    return sum(v for (n, found), v in samples.items() if n == name and set(labels.items()) <= set(found))


def wait_for_metrics(url: str, timeout: float = 30.0) -> None:
    wait_until(lambda: answers(url), timeout_s=timeout, interval_s=0.2, what=f"metrics at {url}")


def test_serve_with_two_workers_sums_both_processes(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = base_env(tmp_path) | {"TMPDIR": str(temp)}
    with processes(env, tmp_path) as running:
        port = free_port()
        process = running.start("serve", "--port", str(port), "--workers", "2")
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, process)
        [shared] = list(temp.glob("eqv-metrics-*"))
        def writers() -> bool:  # metrics files are <kind>_<pid>.db
            return len({f.stem.rsplit("_", 1)[-1] for f in shared.glob("*.db")}) >= 2

        wait_until(writers, interval_s=0.2, what="both serve processes write metrics")

        count = 12
        bodies = [{**PAIR, "request_id": f"metrics-mp-{uuid.uuid4().hex[:12]}"} for _ in range(count)]
        with httpx.Client(headers={"X-API-Key": ADMIN_KEY}, timeout=30) as client, ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(lambda b: client.post(f"{base}/v1/equivalences/evaluate", json=b).status_code, bodies))
        assert statuses == [200] * count
        for _ in range(4):  # whichever process answers the scrape, it reports both
            found = scrape(f"{base}/metrics")
            assert total(found, "eqv_decisions_total", tenant="default") == count
            evaluate = {"method": "POST", "path": "/v1/equivalences/evaluate", "status_code": "200"}
            assert total(found, "eqv_http_requests_total", **evaluate) == count
    assert not list(temp.glob("eqv-metrics-*"))  # removed when serve exits


def test_worker_processes_expose_their_summed_batch_metrics(
    full_env: dict[str, str], tmp_path: Path  # noqa: F811 - the imported fixture
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    metrics_port = free_port()
    env = full_env | {"TMPDIR": str(temp), "EQV_WORKER_METRICS_PORT": str(metrics_port), "EQV_METRICS_TOKEN": "scrape-me"}
    with processes(env, tmp_path) as running:
        base = running.serve()
        worker = running.start("worker", "--processes", "2", "--threads", "2")
        worker_metrics = f"http://127.0.0.1:{metrics_port}/metrics"
        wait_for_metrics(worker_metrics)
        items = [{**PAIR} for _ in range(6)]
        job_id = submit(base, items)
        state = wait_for(base, job_id, finished)
        assert state["progress"]["done"] == 6

        found = scrape(worker_metrics)
        assert total(found, "eqv_batch_items_processed_total") == 6
        assert total(found, "eqv_decisions_total", tenant="default") == 6
        assert total(found, "eqv_queue_up") == 1
        assert total(found, "eqv_queue_depth", queue="batch", state="queued") == 0
        assert httpx.get(f"{base}/metrics", timeout=10).status_code == 401  # full runtime: token required
        web = scrape(f"{base}/metrics", token="scrape-me")
        assert total(web, "eqv_queue_up") == 1 and ("eqv_queue_dead_letters", (("queue", "batch"),)) in web
        assert total(web, "eqv_batch_items_processed_total") == 0  # another host's business: the worker port has it
        # each worker process, once its mappers are warm, leaves its start-up heap out of the
        # collector's full passes (ADR 0044)
        wait_until(lambda: running.output(worker).count("start-up heap frozen: ") == 2)
    assert not list(temp.glob("eqv-metrics-*"))
