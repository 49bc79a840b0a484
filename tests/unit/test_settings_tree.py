"""The one settings tree: every variable parsed once, the bad one named, one boolean grammar,
one runtime, and `build_container` depending on its argument alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.container import build_container
from entrypoints.settings import ENV, EMBEDDED, FULL, ConfigurationError, Settings, load_settings
from tests.support.settings import test_settings

PEPPER = {"API_KEY_PEPPER": "settings-tree-test-pepper-01"}
ROOT = Path(__file__).resolve().parents[2]


def load(**env: str) -> Settings:
    return load_settings({**PEPPER, **env})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("EQV_BATCH_MAX_ITEMS", "abc", "EQV_BATCH_MAX_ITEMS: expected an integer, got 'abc'"),
        ("EQV_BATCH_MAX_ITEMS", "0", "EQV_BATCH_MAX_ITEMS: expected an integer of at least 1, got '0'"),
        ("EQV_JOB_STALE_AFTER_S", "soon", "EQV_JOB_STALE_AFTER_S: expected a number, got 'soon'"),
        ("EQV_METRICS_PUBLIC", "maybe", "EQV_METRICS_PUBLIC: expected true or false"),
        ("PORT", "70000", "PORT: expected an integer of at most 65535, got '70000'"),
        ("EMBED_TIMEOUT_S", "2", "EMBED_TIMEOUT_S: expected a number of at most 0.9, got '2'"),
        ("EQV_RATE_LIMIT_TIMEOUT_S", "9", "EQV_RATE_LIMIT_TIMEOUT_S"),
        ("EQV_RATE_LIMIT_BATCH", "lots", "EQV_RATE_LIMIT_BATCH must look like"),
        ("EQV_READY_WRITE_PROBE_S", "-1", "EQV_READY_WRITE_PROBE_S"),
        ("EQV_CONSOLE_IDLE_MINUTES", "x", "EQV_CONSOLE_IDLE_MINUTES: expected a number"),
        ("EQV_LOG_LEVEL", "loud", "EQV_LOG_LEVEL: expected one of critical, error, warning, info, debug, got 'loud'"),
    ],
)
def test_a_bad_variable_is_named_with_its_value(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load(**{name: value})
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(("word", "expected"), [("true", True), ("1", True), ("YES", True), ("on", True),
                                                ("false", False), ("0", False), ("No", False), ("off", False)])
def test_one_boolean_grammar_for_every_switch(word: str, expected: bool) -> None:
    settings = load(EQV_RATE_LIMITS_ENABLED=word, EQV_METRICS_ENABLED=word, EQV_METRICS_PUBLIC=word)
    assert settings.rate_limits.enabled is settings.metrics.enabled is settings.metrics.public is expected


def test_defaults_are_the_fields_defaults_and_empty_means_unset() -> None:
    assert load() == load(EQV_BATCH_MAX_ITEMS="", PORT=" ", EQV_METRICS_ENABLED="")
    settings = load()
    assert (settings.batch.max_items, settings.http.port, settings.metrics.enabled) == (10_000, 8000, True)
    assert settings.batch.retry.time_limit_ms == 60_000 and settings.metrics.worker_port is None


def test_every_variable_reaches_its_field() -> None:
    settings = load(
        EQV_BATCH_MAX_ITEMS="7", EQV_JOB_TIME_LIMIT_S="2.5", EQV_AUTH_BURST_THRESHOLD="3", EQV_HTTP_THREADS="2",
        EQV_HTTP_HEADER_TIMEOUT_S="4", EQV_CONSOLE_IDLE_MINUTES="5", EQV_READY_WRITE_PROBE_S="6",
        EQV_WORKER_METRICS_PORT="0", EQV_QUEUE_NAMESPACE="ns", LLM_MODEL="m",
    )
    assert settings.batch.max_items == 7 and settings.batch.retry.time_limit_ms == 2500
    assert settings.auth.burst_threshold == 3 and settings.http.threads == 2 and settings.http.header_timeout_s == 4
    assert settings.console.idle.total_seconds() == 300 and settings.database.ready_write_probe_s == 6
    assert settings.metrics.worker_port is None and settings.batch.namespace == "ns" and settings.mappers.llm_model == "m"


def test_the_runtime_is_decided_once_by_database_url(tmp_path: Path) -> None:
    embedded = load(EQV_VAR_DIR=str(tmp_path), REDIS_URL="redis://x:6379/0")
    assert embedded.runtime == EMBEDDED and embedded.broker_url is None and not embedded.metrics_locked
    assert embedded.database.url == f"sqlite:///{tmp_path / 'equivalence.db'}"
    full = load(DATABASE_URL="postgresql+psycopg://db/eqv", REDIS_URL="redis://x:6379/0")
    assert full.runtime == FULL and full.broker_url == "redis://x:6379/0" and full.metrics_locked
    with pytest.raises(ConfigurationError, match="API_KEY_PEPPER is required"):
        load_settings({"DATABASE_URL": "postgresql+psycopg://db/eqv"})


def test_every_variable_the_docs_name_is_read() -> None:
    """The runbook, deploy guide and README name variables; each one the service reads is in ENV."""
    docs = "".join((ROOT / p).read_text() for p in ("README.md", "docs/runbook.md", "docs/deploy.md"))
    for name in ENV:
        assert name in docs, f"{name} is not documented"


def test_settings_for_tests_change_one_field_and_keep_the_rest(tmp_path: Path) -> None:
    settings = test_settings(var_dir=tmp_path, batch={"max_items": 5}, rate_limits={"enabled": False})
    assert settings.batch.max_items == 5 and settings.batch.namespace == "eqv" and not settings.rate_limits.enabled
    with pytest.raises(TypeError, match="no settings section"):
        test_settings(batches={"max_items": 5})


def test_build_container_reads_only_its_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EQV_BATCH_MAX_ITEMS", "abc")  # would fail if anything read the environment
    monkeypatch.setenv("EQV_RATE_LIMIT_EVALUATE", "lots")
    container = build_container(test_settings(var_dir=tmp_path, batch={"max_items": 3}))
    assert container.use_cases.submit_batch().max_items == 3
    assert container.adapters.rate_limiter() is not None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "garbage"),
        ("DATABASE_URL", "mysql://x@y/z"),
        ("DATABASE_URL", "postgresql+psycopg2://u:secret@db/eqv"),
        ("DATABASE_URL", "postgresql://"),
        ("REDIS_URL", "garbage"),
        ("REDIS_URL", "http://redis:6379"),
    ],
)
def test_a_url_the_service_cannot_connect_with_is_named_without_its_password(name: str, value: str) -> None:
    env = {"DATABASE_URL": "postgresql+psycopg://u@db/eqv", **PEPPER, name: value}
    with pytest.raises(ConfigurationError, match=f"^{name}: ") as raised:
        load_settings(env)
    assert "secret" not in str(raised.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "postgresql+psycopg://u:p@db:5432/eqv"),
        ("DATABASE_URL", "postgres://u@db/eqv"),
        ("DATABASE_URL", "sqlite:////srv/eqv.db"),
        ("REDIS_URL", "redis://redis:6379/0"),
        ("REDIS_URL", "rediss://:pw@redis:6380/1"),
        ("REDIS_URL", "unix:///run/redis.sock"),
    ],
)
def test_the_urls_the_service_connects_with_are_accepted(name: str, value: str) -> None:
    env = {"DATABASE_URL": "postgresql+psycopg://u@db/eqv", **PEPPER, name: value}
    assert load_settings(env) is not None
