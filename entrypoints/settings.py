"""Every setting of every process, in one tree, parsed once from the environment (ADR 0023).

`load_settings()` reads the environment when a process starts (never at import time), validates
every variable with msgspec and names the bad one ("EQV_BATCH_MAX_ITEMS: expected an integer,
got 'abc'"). Nothing else reads the environment: builders receive `Settings` (or a section).
Defaults are written once, on the fields below; `ENV` says which variable sets which field.

Booleans have one grammar: true/false, 1/0, yes/no, on/off (any case). An empty variable is
the same as an unset one. `runtime` is decided here and only here: `full` when DATABASE_URL is
set (PostgreSQL, Redis, separate workers), else `embedded` (SQLite under EQV_VAR_DIR, in-process
broker and worker).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from adapters.queue.dramatiq_queue import RetryPolicy
from core.domain.auth_failures import FailureBursts
from core.domain.rate_limits import LimitOverride, RateLimit, RateLimitPolicy, RouteGroup
from core.domain.records import Role
from core.usecases.webhooks import DeliveryPolicy

Runtime = Literal["embedded", "full"]
EMBEDDED: Runtime = "embedded"
FULL: Runtime = "full"
# Mapper calls are capped so that mapping both ementas stays within evaluate's 2 s budget.
MAPPER_TIMEOUT_MAX_S = 0.9

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
MapperTimeout = Annotated[float, msgspec.Meta(gt=0, le=MAPPER_TIMEOUT_MAX_S)]
LogLevel = Literal["critical", "error", "warning", "info", "debug"]
LOG_LEVELS: tuple[LogLevel, ...] = typing.get_args(LogLevel)
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ConfigurationError(Exception):
    """A setting is missing or invalid; the message says which and how to fix it."""


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    url: str
    ready_write_probe_s: PositiveFloat = 30.0  # /ready takes a write at most this often (WriteProbe)


class RedisSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    url: str | None = None


class HttpSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 8000
    threads: PositiveInt = 8
    keepalive_s: PositiveInt = 5
    header_timeout_s: PositiveFloat = 10.0
    request_deadline_s: PositiveFloat = 60.0
    # Every API process logs at this level; `serve --log-level` sets it for the processes it starts.
    log_level: LogLevel = "info"


class AuthSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Keys, and login failure bursts: THRESHOLD refused keys of one subject within the window
    are audited once per window (counted per API process)."""

    api_key_pepper: bytes
    bootstrap_api_key: str | None = None
    burst_threshold: PositiveInt = 10
    burst_window_s: PositiveFloat = 60.0
    # Valid keys kept in process on PostgreSQL; changes empty the cache at once (LISTEN/NOTIFY);
    # this bounds staleness if that channel dies unnoticed (0: no cache; ADR 0028).
    key_cache_s: Annotated[float, msgspec.Meta(ge=0)] = 5.0

    def failure_bursts(self) -> FailureBursts:
        return FailureBursts(self.burst_threshold, dt.timedelta(seconds=self.burst_window_s))


class BatchSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    namespace: str = "eqv"  # Redis key prefix of the Dramatiq broker
    max_items: PositiveInt = 10_000
    max_retries: NonNegativeInt = 5
    min_backoff_ms: PositiveInt = 1_000
    max_backoff_ms: PositiveInt = 60_000
    time_limit_s: PositiveFloat = 60.0
    stale_after_s: PositiveFloat = 300.0
    reconcile_interval_s: PositiveFloat = 30.0
    worker_threads: PositiveInt = 4  # in-process worker of the embedded runtime
    redis_timeout_s: PositiveFloat = 5.0

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(self.max_retries, self.min_backoff_ms, self.max_backoff_ms, int(self.time_limit_s * 1000))

    @property
    def stale_after(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.stale_after_s)


class RateLimitSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A RATE is COUNT/UNIT (second, minute, hour, day, or N seconds like "100/10s") or "unlimited".
    The defaults only stop runaway clients (ADR 0011)."""

    enabled: bool = True
    evaluate: str = "100000/minute"
    batch: str = "600/minute"
    read: str = "100000/minute"
    admin: str = "6000/minute"
    overrides: str = ""  # "TENANT[:ROLE]:GROUP=RATE; ..." with * for any tenant or role
    namespace: str = "eqv:rl"
    redis_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=5.0)] = 0.25

    @property
    def policy(self) -> RateLimitPolicy:
        defaults = {group: parse_rate(getattr(self, group.name.lower()), f"EQV_RATE_LIMIT_{group.name}") for group in RouteGroup}
        return RateLimitPolicy(defaults, parse_overrides(self.overrides))


class MetricsSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    enabled: bool = True
    token: str | None = None  # /metrics answers 401 without `Authorization: Bearer <token>`
    public: bool = False  # without a token, /metrics is open in the full runtime too
    worker_port: Annotated[int, msgspec.Meta(ge=0, le=65535)] | None = None  # 0 or unset: not served


class MapperSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Embeddings (a service or an in-process model) and the LLM refiner. Unset: lexical mapper only."""

    embed_url: str | None = None
    embed_local_model: str | None = None
    embed_model: str = "nomic-embed-text"
    embed_api_key: str | None = None
    embed_timeout_s: MapperTimeout = 0.8
    llm_url: str | None = None
    llm_model: str = "llama3.1"
    llm_api_key: str | None = None
    llm_timeout_s: MapperTimeout = 0.8
    eval_warm_timeout_s: PositiveFloat = 900.0  # eval-pairs waits this long for the mappers' warm-up


class ConsoleSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    idle_minutes: PositiveFloat = 30.0  # a console session ends after this long unused

    @property
    def idle(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.idle_minutes)


class WebhookSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Webhook delivery (ADR 0025). The outbox sweep runs with the batch reconciler."""

    max_attempts: Annotated[int, msgspec.Meta(ge=1, le=50)] = 8  # attempts before a delivery is dead
    backoff_s: PositiveFloat = 10.0  # delay after the first failed attempt; doubles each time
    backoff_max_s: PositiveFloat = 3600.0  # longest delay between attempts
    timeout_s: Annotated[float, msgspec.Meta(gt=0, le=120)] = 10.0  # connect/read timeout of one POST
    lease_s: PositiveFloat = 300.0  # handed out again by the sweep if not attempted for this long
    allow_private: bool = False  # deliver to loopback/private/link-local hosts too (on-premises, tests): ADR 0049

    @property
    def policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            max_attempts=self.max_attempts,
            backoff=dt.timedelta(seconds=self.backoff_s),
            backoff_cap=dt.timedelta(seconds=self.backoff_max_s),
            lease=dt.timedelta(seconds=self.lease_s),
        )


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    runtime: Runtime
    var_dir: Path
    database: DatabaseSettings
    auth: AuthSettings
    redis: RedisSettings = RedisSettings()
    http: HttpSettings = HttpSettings()
    batch: BatchSettings = BatchSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    metrics: MetricsSettings = MetricsSettings()
    mappers: MapperSettings = MapperSettings()
    console: ConsoleSettings = ConsoleSettings()
    webhooks: WebhookSettings = WebhookSettings()

    @property
    def embedded(self) -> bool:
        return self.runtime == EMBEDDED

    @property
    def broker_url(self) -> str | None:
        """Redis in the full runtime when REDIS_URL is set; otherwise the in-process broker."""
        return None if self.embedded else self.redis.url

    @property
    def metrics_locked(self) -> bool:
        """Without a token, /metrics answers 401 in the full runtime unless made public."""
        return not self.metrics.public and not self.embedded


ENV: dict[str, tuple[str, str]] = {
    "DATABASE_URL": ("database", "url"),
    "EQV_READY_WRITE_PROBE_S": ("database", "ready_write_probe_s"),
    "REDIS_URL": ("redis", "url"),
    "HOST": ("http", "host"),
    "PORT": ("http", "port"),
    "EQV_HTTP_THREADS": ("http", "threads"),
    "EQV_HTTP_KEEPALIVE_S": ("http", "keepalive_s"),
    "EQV_HTTP_HEADER_TIMEOUT_S": ("http", "header_timeout_s"),
    "EQV_HTTP_REQUEST_DEADLINE_S": ("http", "request_deadline_s"),
    "EQV_LOG_LEVEL": ("http", "log_level"),
    "API_KEY_PEPPER": ("auth", "api_key_pepper"),
    "EQV_BOOTSTRAP_API_KEY": ("auth", "bootstrap_api_key"),
    "EQV_AUTH_BURST_THRESHOLD": ("auth", "burst_threshold"),
    "EQV_AUTH_BURST_WINDOW_S": ("auth", "burst_window_s"),
    "EQV_AUTH_CACHE_SECONDS": ("auth", "key_cache_s"),
    "EQV_QUEUE_NAMESPACE": ("batch", "namespace"),
    "EQV_BATCH_MAX_ITEMS": ("batch", "max_items"),
    "EQV_JOB_MAX_RETRIES": ("batch", "max_retries"),
    "EQV_JOB_MIN_BACKOFF_MS": ("batch", "min_backoff_ms"),
    "EQV_JOB_MAX_BACKOFF_MS": ("batch", "max_backoff_ms"),
    "EQV_JOB_TIME_LIMIT_S": ("batch", "time_limit_s"),
    "EQV_JOB_STALE_AFTER_S": ("batch", "stale_after_s"),
    "EQV_RECONCILE_INTERVAL_S": ("batch", "reconcile_interval_s"),
    "EQV_WORKER_THREADS": ("batch", "worker_threads"),
    "EQV_QUEUE_REDIS_TIMEOUT_S": ("batch", "redis_timeout_s"),
    "EQV_RATE_LIMITS_ENABLED": ("rate_limits", "enabled"),
    "EQV_RATE_LIMIT_EVALUATE": ("rate_limits", "evaluate"),
    "EQV_RATE_LIMIT_BATCH": ("rate_limits", "batch"),
    "EQV_RATE_LIMIT_READ": ("rate_limits", "read"),
    "EQV_RATE_LIMIT_ADMIN": ("rate_limits", "admin"),
    "EQV_RATE_LIMIT_OVERRIDES": ("rate_limits", "overrides"),
    "EQV_RATE_LIMIT_NAMESPACE": ("rate_limits", "namespace"),
    "EQV_RATE_LIMIT_TIMEOUT_S": ("rate_limits", "redis_timeout_s"),
    "EQV_METRICS_ENABLED": ("metrics", "enabled"),
    "EQV_METRICS_TOKEN": ("metrics", "token"),
    "EQV_METRICS_PUBLIC": ("metrics", "public"),
    "EQV_WORKER_METRICS_PORT": ("metrics", "worker_port"),
    "EMBED_URL": ("mappers", "embed_url"),
    "EMBED_LOCAL_MODEL": ("mappers", "embed_local_model"),
    "EMBED_MODEL": ("mappers", "embed_model"),
    "EMBED_API_KEY": ("mappers", "embed_api_key"),
    "EMBED_TIMEOUT_S": ("mappers", "embed_timeout_s"),
    "LLM_URL": ("mappers", "llm_url"),
    "LLM_MODEL": ("mappers", "llm_model"),
    "LLM_API_KEY": ("mappers", "llm_api_key"),
    "LLM_TIMEOUT_S": ("mappers", "llm_timeout_s"),
    "EVAL_WARM_TIMEOUT_S": ("mappers", "eval_warm_timeout_s"),
    "EQV_CONSOLE_IDLE_MINUTES": ("console", "idle_minutes"),
    "EQV_WEBHOOK_MAX_ATTEMPTS": ("webhooks", "max_attempts"),
    "EQV_WEBHOOK_BACKOFF_S": ("webhooks", "backoff_s"),
    "EQV_WEBHOOK_BACKOFF_MAX_S": ("webhooks", "backoff_max_s"),
    "EQV_WEBHOOK_TIMEOUT_S": ("webhooks", "timeout_s"),
    "EQV_WEBHOOK_LEASE_S": ("webhooks", "lease_s"),
    "EQV_WEBHOOK_ALLOW_PRIVATE": ("webhooks", "allow_private"),
}
"""Every environment variable the service reads (besides EQV_VAR_DIR and PROMETHEUS_MULTIPROC_DIR)."""
_VARIABLE = {place: name for name, place in ENV.items()}
_BOOLEAN_FIELDS = {("rate_limits", "enabled"), ("metrics", "enabled"), ("metrics", "public"), ("webhooks", "allow_private")}


def load_settings(environ: Mapping[str, str] | None = None, *, keys: bool = True) -> Settings:
    """The whole tree from the environment (os.environ by default), or ConfigurationError.

    keys=False: for a command that never touches an API key (eval-pairs), the pepper is neither
    required nor generated (it is empty)."""
    env = {name: value for name, value in (os.environ if environ is None else environ).items() if value.strip()}
    var_dir = Path(env.get("EQV_VAR_DIR", "var")).resolve()
    runtime = FULL if "DATABASE_URL" in env else EMBEDDED
    tree: dict[str, Any] = {"runtime": runtime, "var_dir": str(var_dir), "database": {"url": database_url_from_env(env)}}
    for name, (section, field) in ENV.items():
        if name in env and name not in ("DATABASE_URL", "API_KEY_PEPPER"):
            tree.setdefault(section, {})[field] = _raw(env[name], (section, field))
    tree.setdefault("auth", {})["api_key_pepper"] = _pepper(env, runtime, var_dir) if keys else b""
    if tree.get("metrics", {}).get("worker_port") in ("0", 0):
        tree["metrics"]["worker_port"] = None
    settings = _convert(tree, env)
    _check(settings)
    return settings


def settings_from(tree: Mapping[str, Any]) -> Settings:
    """A tree given as nested dicts of typed values (tests: see tests/support/settings.py)."""
    return _convert(dict(tree), {})


def database_url_from_env(environ: Mapping[str, str] | None = None) -> str:
    """DATABASE_URL, else the embedded SQLite file under EQV_VAR_DIR: all `equivalence migrate` needs
    (no API_KEY_PEPPER: migrations never touch a key)."""
    env = os.environ if environ is None else environ
    database_url = env.get("DATABASE_URL", "").strip()
    if database_url:
        _check_url("DATABASE_URL", database_url, DATABASE_SCHEMES, "postgresql+psycopg://USER:PASSWORD@HOST:5432/DB")
        return database_url
    return f"sqlite:///{Path(env.get('EQV_VAR_DIR') or 'var').resolve() / 'equivalence.db'}"


DATABASE_SCHEMES = ("postgresql+psycopg", "postgresql", "postgres", "sqlite")
"""What adapters/persistence/database.py connects with: psycopg 3 (the only PostgreSQL driver
installed; `postgres://` and `postgresql://` mean it) or the stdlib's SQLite."""
REDIS_SCHEMES = ("redis", "rediss", "unix")


def _check_url(name: str, url: str, schemes: tuple[str, ...], example: str) -> None:
    """A URL whose scheme the service can connect with, or ConfigurationError naming the variable.
    The message shows the scheme only: the rest of the URL may hold a password."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in schemes:
        got = f"scheme {scheme!r}" if separator else "no scheme://"
        raise ConfigurationError(f"{name}: expected a URL like {example} (schemes: {', '.join(schemes)}), got {got}")
    if name == "DATABASE_URL":
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(url)
        except ArgumentError:
            raise ConfigurationError(f"{name}: not a valid URL (expected one like {example})") from None
    if not rest.strip("/") and scheme != "unix":
        raise ConfigurationError(f"{name}: the URL names no host or database (expected one like {example})")


def _raw(value: str, place: tuple[str, str]) -> Any:
    if place in _BOOLEAN_FIELDS:
        word = value.strip().lower()
        return True if word in _TRUE else False if word in _FALSE else value
    return value


def _dec_hook(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError


_ERROR = re.compile(r"^(?P<what>.*?)(?: - at `\$\.(?P<path>[\w.]+)`)?$")
_KINDS = {
    "`int`": "an integer",
    "`float`": "a number",
    "`bool`": "true or false (also 1/0, yes/no, on/off)",
    "`str`": "text",
}


def _convert(tree: dict[str, Any], env: Mapping[str, str]) -> Settings:
    try:
        return msgspec.convert(tree, Settings, strict=False, dec_hook=_dec_hook)
    except msgspec.ValidationError as exc:
        found = _ERROR.match(str(exc))
        path = tuple((found.group("path") or "").split(".")) if found else ()
        name = _VARIABLE.get(path[:2]) if len(path) >= 2 else None  # type: ignore[call-overload]
        if name is None:
            raise ConfigurationError(f"invalid settings: {exc}") from None
        what = (found.group("what") if found else str(exc)).replace(", got `str`", "")
        for kind, words in _KINDS.items():
            what = what.replace(kind, words)
        what = what.replace("Expected", "expected")
        if what.startswith("Invalid enum value"):  # a Literal field: say what it accepts
            what = "expected one of " + ", ".join(_choices(path[:2]))
        what = re.sub(r"(an integer|a number) ([<>]=?) ([\d.]+)", lambda m: f"{m.group(1)} {_BOUND[m.group(2)]} {m.group(3)}", what)
        raise ConfigurationError(f"{name}: {what}, got {env.get(name, '')!r}") from None


def _choices(path: tuple[str, ...]) -> tuple[str, ...]:
    """The values a Literal field (section, field) of Settings accepts."""
    section = next(f.type for f in msgspec.structs.fields(Settings) if f.name == path[0])
    field = next(f.type for f in msgspec.structs.fields(section) if f.name == path[1])
    return tuple(str(choice) for choice in typing.get_args(field))


_BOUND = {">": "greater than", ">=": "of at least", "<": "less than", "<=": "of at most"}


def _check(settings: Settings) -> None:
    """Rules across fields, and the grammars msgspec does not know (rates, models)."""
    settings.rate_limits.policy  # noqa: B018 - parses every rate; ConfigurationError names the variable
    if settings.redis.url:
        _check_url("REDIS_URL", settings.redis.url, REDIS_SCHEMES, "redis://HOST:6379/0")
    mappers = settings.mappers
    if mappers.embed_url and mappers.embed_local_model:
        raise ConfigurationError("set EMBED_URL (an embeddings service) or EMBED_LOCAL_MODEL (in process), not both")
    if mappers.embed_local_model:
        from adapters.mappers.local_embedder import EXTRA_HINT, MODELS, LocalEmbedder

        if mappers.embed_local_model not in MODELS:
            raise ConfigurationError(
                f"EMBED_LOCAL_MODEL must be one of {', '.join(MODELS)}, got {mappers.embed_local_model!r}"
            )
        if not LocalEmbedder.available(mappers.embed_local_model):
            raise ConfigurationError(f"EMBED_LOCAL_MODEL={mappers.embed_local_model} needs the optional extra: {EXTRA_HINT}")


def _pepper(env: Mapping[str, str], runtime: Runtime, var_dir: Path) -> bytes:
    """API_KEY_PEPPER; the embedded runtime keeps a generated one under var/ if it is unset."""
    value = env.get("API_KEY_PEPPER")
    if value:
        if len(value) < 16:
            raise ConfigurationError("API_KEY_PEPPER must have at least 16 characters")
        return value.encode("utf-8")
    if runtime == FULL:
        raise ConfigurationError(
            "API_KEY_PEPPER is required when DATABASE_URL is set (every web and worker replica "
            "must use the same value); generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    path = var_dir / "api_key_pepper"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of this host created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode("utf-8")


# --- rate grammar (EQV_RATE_LIMIT_*) ------------------------------------------------------------

DEFAULT_LIMITS: dict[RouteGroup, RateLimit | None] = {
    RouteGroup.EVALUATE: RateLimit(100_000, 60),
    RouteGroup.BATCH: RateLimit(600, 60),
    RouteGroup.READ: RateLimit(100_000, 60),
    RouteGroup.ADMIN: RateLimit(6_000, 60),
}
_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d*)\s*([a-z]+)\s*$")
_PERIODS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_UNLIMITED = {"unlimited", "none", "off"}


def parse_rate(text: str, setting: str = "rate") -> RateLimit | None:
    """"600/minute", "10 per second", "100/10s" or "unlimited" (None)."""
    value = text.strip().lower()
    if value in _UNLIMITED:
        return None
    found = _RATE.match(value)
    if not found or found.group(3) not in _PERIODS:
        raise ConfigurationError(
            f"{setting} must look like 600/minute, 10/second, 100/10s or unlimited, got {text!r}"
        )
    count, multiple, unit = int(found.group(1)), int(found.group(2) or 1), found.group(3)
    if count < 1 or multiple < 1:
        raise ConfigurationError(f"{setting} needs a count and a period of at least 1, got {text!r}")
    return RateLimit(count, multiple * _PERIODS[unit])


def parse_overrides(text: str) -> tuple[LimitOverride, ...]:
    """"acme:evaluate=1000/minute; *:auditor:read=60/minute" → overrides (';' or ',' separate)."""
    overrides = []
    for entry in filter(None, (part.strip() for part in re.split(r"[;,]", text))):
        scope, equals, rate = entry.rpartition("=")
        parts = [p.strip() for p in scope.rsplit(":", 2)] if equals else []
        if len(parts) == 2:
            parts.insert(1, "*")
        if len(parts) != 3 or not parts[0]:
            raise ConfigurationError(
                f"EQV_RATE_LIMIT_OVERRIDES entries look like TENANT:GROUP=RATE or TENANT:ROLE:GROUP=RATE, got {entry!r}"
            )
        tenant, role, group = parts
        overrides.append(
            LimitOverride(
                group=_choice(RouteGroup, group, "group"),
                limit=parse_rate(rate, f"EQV_RATE_LIMIT_OVERRIDES entry {entry!r}"),
                tenant_id=None if tenant == "*" else tenant,
                role=None if role == "*" else _choice(Role, role, "role"),
            )
        )
    return tuple(overrides)


def _choice(kind: type[RouteGroup] | type[Role], value: str, what: str):  # type: ignore[no-untyped-def]
    try:
        return kind(value.lower())
    except ValueError:
        names = ", ".join(member.value for member in kind)
        raise ConfigurationError(f"EQV_RATE_LIMIT_OVERRIDES: unknown {what} {value!r} (one of {names})") from None
