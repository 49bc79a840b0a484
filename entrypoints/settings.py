"""Settings from the environment, read when a process starts (never at import time)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

EMBEDDED = "embedded"
# Mapper calls are capped so that mapping both ementas stays within evaluate's 2 s budget.
MAPPER_TIMEOUT_MAX_S = 0.9
T = TypeVar("T", int, float)
FULL = "full"


class ConfigurationError(Exception):
    """A setting is missing or invalid; the message says which and how to fix it."""


@dataclass(frozen=True, slots=True)
class MapperSettings:
    """Embeddings (a service or an in-process model) and the LLM refiner. Unset: lexical mapper only.

    EMBED_URL names an OpenAI-compatible embeddings service; EMBED_LOCAL_MODEL an in-process
    model from the optional extra (`use-multilingual-v3`); at most one of them.
    """

    embed_url: str | None = None
    embed_local_model: str | None = None
    embed_model: str = "nomic-embed-text"
    embed_api_key: str | None = None
    embed_timeout_s: float = 0.8
    llm_url: str | None = None
    llm_model: str = "llama3.1"
    llm_api_key: str | None = None
    llm_timeout_s: float = 0.8

    @classmethod
    def from_env(cls, env: dict[str, str]) -> MapperSettings:
        defaults = cls()
        embed_url, local_model = env.get("EMBED_URL") or None, env.get("EMBED_LOCAL_MODEL") or None
        if embed_url and local_model:
            raise ConfigurationError("set EMBED_URL (an embeddings service) or EMBED_LOCAL_MODEL (in process), not both")
        if local_model:
            from adapters.mappers.local_embedder import EXTRA_HINT, MODELS, LocalEmbedder

            if local_model not in MODELS:
                raise ConfigurationError(f"EMBED_LOCAL_MODEL must be one of {', '.join(MODELS)}, got {local_model!r}")
            if not LocalEmbedder.available(local_model):
                raise ConfigurationError(f"EMBED_LOCAL_MODEL={local_model} needs the optional extra: {EXTRA_HINT}")
        return cls(
            embed_url=embed_url,
            embed_local_model=local_model,
            embed_model=env.get("EMBED_MODEL") or defaults.embed_model,
            embed_api_key=env.get("EMBED_API_KEY") or None,
            embed_timeout_s=env_number(env, "EMBED_TIMEOUT_S", defaults.embed_timeout_s, float, maximum=MAPPER_TIMEOUT_MAX_S),
            llm_url=env.get("LLM_URL") or None,
            llm_model=env.get("LLM_MODEL") or defaults.llm_model,
            llm_api_key=env.get("LLM_API_KEY") or None,
            llm_timeout_s=env_number(env, "LLM_TIMEOUT_S", defaults.llm_timeout_s, float, maximum=MAPPER_TIMEOUT_MAX_S),
        )


@dataclass(frozen=True, slots=True)
class Settings:
    runtime: str
    database_url: str
    redis_url: str | None
    api_key_pepper: bytes
    bootstrap_api_key: str | None
    var_dir: Path
    host: str
    port: int
    http_threads: int = 8
    mappers: MapperSettings = MapperSettings()

    @property
    def embedded(self) -> bool:
        return self.runtime == EMBEDDED

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        var_dir = Path(env.get("EQV_VAR_DIR", "var")).resolve()
        runtime = FULL if env.get("DATABASE_URL", "").strip() else EMBEDDED
        database_url = database_url_from_env(env)
        return cls(
            runtime=runtime,
            database_url=database_url,
            redis_url=env.get("REDIS_URL") or None,
            api_key_pepper=_pepper(env, runtime, var_dir),
            bootstrap_api_key=env.get("EQV_BOOTSTRAP_API_KEY") or None,
            var_dir=var_dir,
            host=env.get("HOST", "127.0.0.1"),
            port=_port(env.get("PORT", "8000")),
            http_threads=env_number(env, "EQV_HTTP_THREADS", 8, int),
            mappers=MapperSettings.from_env(env),
        )


def database_url_from_env(environ: dict[str, str] | None = None) -> str:
    """DATABASE_URL, else the embedded SQLite file under EQV_VAR_DIR: all `equivalence migrate` needs
    (no API_KEY_PEPPER: migrations never touch a key)."""
    env = os.environ if environ is None else environ
    database_url = env.get("DATABASE_URL", "").strip()
    if database_url:
        return database_url
    return f"sqlite:///{Path(env.get('EQV_VAR_DIR', 'var')).resolve() / 'equivalence.db'}"


def env_number(
    env: dict[str, str],
    name: str,
    default: T,
    kind: Callable[[str], T],
    *,
    allow_zero: bool = False,
    maximum: float | None = None,
) -> T:
    """A positive (or, with allow_zero, non-negative) number from the environment, or a clear error."""
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        number = kind(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {value!r}") from None
    lowest_ok = number >= 0 if allow_zero else number > 0  # type: ignore[operator]
    if not lowest_ok or (maximum is not None and number > maximum):  # type: ignore[operator]
        bounds = "zero or more" if allow_zero else "more than 0"
        limit = f" and at most {maximum:g}" if maximum is not None else ""
        raise ConfigurationError(f"{name} must be {bounds}{limit}, got {value!r}")
    return number


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ConfigurationError(f"PORT must be a number, got {value!r}") from None
    if not 0 < port < 65536:
        raise ConfigurationError(f"PORT must be between 1 and 65535, got {port}")
    return port


def _pepper(env: dict[str, str], runtime: str, var_dir: Path) -> bytes:
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
