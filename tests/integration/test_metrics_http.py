"""GET /metrics over the real app (Litestar test client, SQLite, the local Redis): HTTP metrics by
route template, decisions, degraded mode, mapper errors, cache, queue sizes, batch items, the
switch and the token, a broker that is down, and several processes summed in one scrape.

Metrics live in the process-wide registry, shared by every test here: tests compare values
before and after what they do, and use labels of their own where they can.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.metrics.exposition import Exposition
from adapters.metrics.queue_collector import QueueCollector
from core.domain.model import Policy
from core.ports.job_queue import QueueStats
from core.usecases.bootstrap import Seed
from entrypoints.asgi import create_app
from entrypoints.container import Container, build_container
from entrypoints.settings import FULL, ConfigurationError, MetricsSettings, Settings, load_settings
from adapters.system import SystemClock, UuidGenerator
from tests.fakes import FailingMapper
from tests.support import http_api
from tests.support.http_api import DESTINO, KEYS, ORIGEM, PEPPER, TAXONOMY, evaluate, forget_cached_mappings, make_client, unique_id
from tests.support.settings import test_settings
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: TestClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def parse(text: str) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def http_requests(samples: Samples, method: str, path: str, status: int) -> float:
    labels = {"app_name": "equivalence", "method": method, "path": path, "status_code": str(status)}
    return value(samples, "eqv_http_requests_total", **labels)


def with_container(monkeypatch: pytest.MonkeyPatch, adjust: Callable[[Container], None]) -> None:
    """make_client of the HTTP tests builds its container through this hook."""

    def build(settings: Settings) -> Container:
        container = build_container(settings)
        adjust(container)
        return container

    monkeypatch.setattr(http_api, "build_container", build)


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(sqlite_url, tmp_path)


def full_client(
    db_url: str, tmp_path: Path, redis_url: str, namespace: str = "eqv"
) -> Iterator[tuple[TestClient, Container]]:
    """The full runtime (Redis broker, no in-process worker) on a migrated SQLite database; admin key only.
    /metrics is public (the full runtime needs a token otherwise)."""
    settings = test_settings(
        runtime=FULL, var_dir=tmp_path, database_url=db_url, redis_url=redis_url, api_key_pepper=PEPPER,
        bootstrap_api_key=KEYS["admin"], batch={"namespace": namespace}, metrics={"public": True},
    )
    container = build_container(settings)
    Seed(container.adapters.uow_factory(), PEPPER, SystemClock(), UuidGenerator())(TAXONOMY, Policy(), KEYS["admin"])
    with TestClient(create_app(container)) as test_client:
        yield test_client, container
    container.adapters.engine().dispose()


def test_http_metrics_use_route_templates_and_status_codes(client: TestClient) -> None:
    request_id = unique_id("metrics-route")
    before = scrape(client)
    assert evaluate(client, {"request_id": request_id, "origem": ORIGEM, "destino": DESTINO}).status_code == 200
    assert client.get(f"/v1/equivalences/{request_id}", headers={"X-API-Key": KEYS["client"]}).status_code == 200
    assert client.post("/v1/equivalences/evaluate", json={}).status_code == 401
    response = client.get("/metrics")
    after = parse(response.text)

    assert request_id not in response.text  # ids never become labels
    template = "/v1/equivalences/{request_id}"
    assert http_requests(after, "GET", template, 200) == http_requests(before, "GET", template, 200) + 1
    evaluate_path = "/v1/equivalences/evaluate"
    assert http_requests(after, "POST", evaluate_path, 200) == http_requests(before, "POST", evaluate_path, 200) + 1
    assert http_requests(after, "POST", evaluate_path, 401) == http_requests(before, "POST", evaluate_path, 401) + 1
    labels = {"app_name": "equivalence", "method": "GET", "path": template, "status_code": "200"}
    assert value(after, "eqv_http_request_duration_seconds_count", **labels) >= 1
    assert value(after, "eqv_http_request_duration_seconds_bucket", **labels, le="+Inf") >= 1


def test_metrics_is_outside_the_openapi_document(client: TestClient) -> None:
    assert "/metrics" not in client.get("/schema/openapi.json").json()["paths"]


def test_decisions_are_counted_by_tenant_and_decision_and_replays_are_not(client: TestClient) -> None:
    before = scrape(client)
    body = {"request_id": unique_id("metrics-dec"), "origem": ORIGEM, "destino": DESTINO}
    assert evaluate(client, body).json()["decisao"] == "DEFERIDO"
    assert evaluate(client, body).headers["Idempotent-Replayed"] == "true"
    rejected = {"request_id": unique_id("metrics-rej"), "origem": {**ORIGEM, "aprovado": False}, "destino": DESTINO}
    assert evaluate(client, rejected).json()["decisao"] == "INDEFERIDO"
    assert evaluate(client, {"request_id": unique_id("metrics-other"), "origem": ORIGEM, "destino": DESTINO}, key="other").status_code == 200
    after = scrape(client)

    def delta(tenant: str, decision: str) -> float:
        return value(after, "eqv_decisions_total", tenant=tenant, decision=decision) - value(
            before, "eqv_decisions_total", tenant=tenant, decision=decision
        )

    assert (delta("default", "DEFERIDO"), delta("default", "INDEFERIDO"), delta("other", "DEFERIDO")) == (1, 1, 1)
    assert value(after, "eqv_evaluations_degraded_total", tenant="default") == value(
        before, "eqv_evaluations_degraded_total", tenant="default"
    )


def test_a_failing_mapper_counts_degraded_decisions_and_mapper_errors(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_primary_lexical_fallback(container: Container) -> None:
        container.adapters.primary_mapper.override(FailingMapper())
        container.adapters.fallback_mapper.override(LexicalMapper())

    with_container(monkeypatch, failing_primary_lexical_fallback)
    for client in make_client(sqlite_url, tmp_path):
        before = scrape(client)
        answer = evaluate(client, {"request_id": unique_id("metrics-deg"), "origem": ORIGEM, "destino": DESTINO}).json()
        assert answer["degraded_mode"] is True and answer["decisao"] == "ANALISE_HUMANA"
        after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("eqv_evaluations_degraded_total", tenant="default") == 1
    assert delta("eqv_decisions_total", tenant="default", decision="ANALISE_HUMANA") == 1
    assert delta("eqv_mapper_errors_total", mapper="primary") == 2  # origem and destino
    assert delta("eqv_mapper_duration_seconds_count", mapper="fallback") == 2
    assert delta("eqv_mapper_errors_total", mapper="fallback") == 0


def test_memory_cache_hits_and_misses(client: TestClient) -> None:
    origem = {**ORIGEM, "ementa": f"{ORIGEM['ementa']} Revisão {uuid.uuid4().hex}."}  # never cached before
    before = scrape(client)
    for tag in ("metrics-c1", "metrics-c2"):
        assert evaluate(client, {"request_id": unique_id(tag), "origem": origem, "destino": DESTINO}).status_code == 200
    after = scrape(client)
    misses = value(after, "eqv_mapping_cache_lookups_total", tier="memory", result="miss") - value(
        before, "eqv_mapping_cache_lookups_total", tier="memory", result="miss"
    )
    hits = value(after, "eqv_mapping_cache_lookups_total", tier="memory", result="hit") - value(
        before, "eqv_mapping_cache_lookups_total", tier="memory", result="hit"
    )
    assert misses >= 1  # the new origem, the first time
    assert hits >= 2  # both ementas, the second time


def test_the_lexical_default_maps_in_process_without_asking_the_redis_tier(
    sqlite_url: str, tmp_path: Path, redis_url: str
) -> None:
    """REDIS_URL set, lexical mapper only (the default): a round trip would cost more than mapping
    (ADR 0043), so each process (container) maps and remembers on its own; Redis is not asked."""
    ementa = f"{ORIGEM['ementa']} Tópicos {uuid.uuid4().hex}."
    origem = {**ORIGEM, "ementa": ementa}
    try:
        for attempt in ("first", "second"):
            for client in make_client(sqlite_url, tmp_path, redis_url):
                before = scrape(client)
                body = {"request_id": unique_id(f"metrics-redis-{attempt}"), "origem": origem, "destino": DESTINO}
                assert evaluate(client, body).status_code == 200
                after = scrape(client)
            for result in ("hit", "miss"):
                asked = [value(s, "eqv_mapping_cache_lookups_total", tier="redis", result=result) for s in (before, after)]
                assert asked[1] == asked[0], (attempt, result)
            missed = [value(s, "eqv_mapping_cache_lookups_total", tier="memory", result="miss") for s in (before, after)]
            assert missed[1] - missed[0] >= 1, attempt  # a new process maps the new ementa itself
    finally:
        forget_cached_mappings(redis_url)


def test_queue_depth_from_the_redis_broker(sqlite_url: str, tmp_path: Path, redis_url: str) -> None:
    namespace = f"eqv-test-metrics-{uuid.uuid4().hex[:10]}"
    try:
        for client, container in full_client(sqlite_url, tmp_path, redis_url, namespace):
            container.adapters.job_queue().enqueue_many("job-metrics", range(3))  # no worker runs in this process
            found = scrape(client)
            assert value(found, "eqv_queue_up") == 1
            assert value(found, "eqv_queue_depth", queue="batch", state="queued") == 3
            assert value(found, "eqv_queue_dead_letters", queue="batch") == 0
    finally:
        redis_client = redis.Redis.from_url(redis_url)
        keys = list(redis_client.scan_iter(f"{namespace}:*"))
        if keys:
            redis_client.delete(*keys)
        forget_cached_mappings(redis_url)
        redis_client.close()


def test_redis_down_metrics_still_answer_and_count_cache_errors(sqlite_url: str, tmp_path: Path) -> None:
    for client, _ in full_client(sqlite_url, tmp_path, "redis://127.0.0.1:1/0"):
        before = scrape(client)
        assert evaluate(client, {"request_id": unique_id("metrics-noredis"), "origem": ORIGEM, "destino": DESTINO}, key="admin").status_code == 200
        after = scrape(client)  # answers: the queue gauges say down instead of waiting on Redis
    assert value(after, "eqv_queue_up") == 0
    assert ("eqv_queue_depth", (("queue", "batch"), ("state", "queued"))) not in after
    # the lexical default never asks Redis for a mapping (ADR 0043): nothing to fail there
    errors = [value(s, "eqv_mapping_cache_errors_total", tier="redis", operation="get") for s in (before, after)]
    assert errors[1] == errors[0]


def test_embedded_batch_items_and_queue_gauges(client: TestClient) -> None:
    before = scrape(client)
    assert value(before, "eqv_queue_up") == 1
    assert ("eqv_queue_depth", (("queue", "batch"), ("state", "queued"))) in before
    items = [
        {"origem": ORIGEM, "destino": DESTINO},
        {"origem": ORIGEM, "destino": DESTINO},
        {"origem": ORIGEM, "destino": DESTINO, "taxonomy_version": "no-such-version"},  # fails at once
    ]
    headers = {"X-API-Key": KEYS["client"]}
    job_id = client.post("/v1/equivalences/batch", json={"items": items}, headers=headers).json()["job_id"]
    wait_until(lambda: client.get(f"/v1/jobs/{job_id}", headers=headers).json()["timings"]["finished_at"], what="the batch finishes")
    after = scrape(client)
    assert value(after, "eqv_batch_items_processed_total") - value(before, "eqv_batch_items_processed_total") == 2
    failed = [value(s, "eqv_batch_items_failed_total", reason="error") for s in (before, after)]
    assert failed[1] - failed[0] == 1
    decisions = [value(s, "eqv_decisions_total", tenant="default", decision="DEFERIDO") for s in (before, after)]
    assert decisions[1] - decisions[0] == 2


def test_metrics_can_be_turned_off(sqlite_url: str, tmp_path: Path) -> None:
    for client in make_client(sqlite_url, tmp_path, metrics={"enabled": False}):
        assert client.get("/metrics").status_code == 404
        assert client.get("/health").status_code == 200


def test_metrics_token_requires_the_bearer_header(sqlite_url: str, tmp_path: Path) -> None:
    for client in make_client(sqlite_url, tmp_path, metrics={"token": "scrape-secret-123"}):
        missing = client.get("/metrics")
        assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"X-API-Key": KEYS["admin"]}).status_code == 401  # API keys do not open it
        assert scrape(client, Authorization="Bearer scrape-secret-123")


def metrics_from(env: dict[str, str]) -> MetricsSettings:
    return load_settings({"API_KEY_PEPPER": "metrics-test-pepper-0123", **env}).metrics


def test_metrics_settings_from_the_environment() -> None:
    assert metrics_from({}) == MetricsSettings(enabled=True, token=None, worker_port=None)
    assert metrics_from(
        {"EQV_METRICS_ENABLED": "off", "EQV_METRICS_TOKEN": "t", "EQV_WORKER_METRICS_PORT": "9191"}
    ) == MetricsSettings(enabled=False, token="t", worker_port=9191)
    with pytest.raises(ConfigurationError, match="EQV_METRICS_ENABLED"):
        metrics_from({"EQV_METRICS_ENABLED": "maybe"})
    with pytest.raises(ConfigurationError, match="EQV_WORKER_METRICS_PORT"):
        metrics_from({"EQV_WORKER_METRICS_PORT": "70000"})


RECORD = """
import sys
from adapters.metrics.prometheus_metrics import PrometheusMetrics
metrics = PrometheusMetrics()
for _ in range(int(sys.argv[1])):
    metrics.decision("t-multi", "DEFERIDO", degraded=False)
metrics.batch_item("done")
"""


def test_multiprocess_exposition_sums_every_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Processes sharing PROMETHEUS_MULTIPROC_DIR: one scrape shows the sum of all of them."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for count in (2, 3):
        subprocess.run([sys.executable, "-c", RECORD, str(count)], env=env, check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    body, content_type = Exposition([QueueCollector(lambda: [QueueStats("batch", 7, 0, 0, 1)])]).render()
    found = parse(body.decode())
    assert content_type.startswith("text/plain")
    assert value(found, "eqv_decisions_total", decision="DEFERIDO", tenant="t-multi") == 5
    assert value(found, "eqv_batch_items_processed_total") == 2
    assert value(found, "eqv_queue_depth", queue="batch", state="queued") == 7


@pytest.mark.postgres
@pytest.mark.parametrize("public", [None, "true"])
def test_full_runtime_metrics_need_a_token_unless_made_public(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, public: str | None
) -> None:
    for client in make_client(postgres_url, tmp_path, runtime=FULL, metrics={"public": bool(public)}):
        answer = client.get("/metrics")
        if public:
            assert answer.status_code == 200 and "# TYPE" in answer.text
        else:
            assert answer.status_code == 401 and "EQV_METRICS_TOKEN" in answer.json()["detail"]


def test_metrics_public_setting_is_validated() -> None:
    assert metrics_from({"EQV_METRICS_PUBLIC": "yes"}).public is True
    with pytest.raises(ConfigurationError, match="EQV_METRICS_PUBLIC"):
        metrics_from({"EQV_METRICS_PUBLIC": "maybe"})


def test_review_backlog_gauges(client: TestClient) -> None:
    """ADR 0026: the scrape counts the open review items of the database (its answer is then reused
    for 30 s, so this test scrapes once, after opening an item)."""
    body = {"request_id": unique_id("metrics-review"), "origem": {k: v for k, v in ORIGEM.items() if k != "aprovado"}, "destino": DESTINO}
    assert evaluate(client, body).json()["decisao"] == "ANALISE_HUMANA"
    samples = scrape(client)
    assert value(samples, "eqv_review_metrics_up") == 1
    assert value(samples, "eqv_review_backlog", tenant="default", state="pendente", age="0-7d") >= 1
