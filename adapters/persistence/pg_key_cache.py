"""The KeyCache port over PostgreSQL LISTEN/NOTIFY (ADR 0028).

Triggers (migration 0010) run `pg_notify('eqv_auth', '')` in every transaction that revokes,
rotates or deletes a key, or changes or disables a tenant. A daemon thread per process LISTENs
on its own connection and empties the cache on each notification. While that connection is
down (not yet connected, lost, reconnecting) the cache answers nothing, so every request reads
the database. Entries also expire after `ttl_s`: the staleness bound should the listening
connection die without the client noticing.

The same cache keeps each tenant's active webhook endpoints (`endpoints_of`, ADR 0033): an
automatic decision publishes to them, and reading them cost every stored decision one more
query. Migration 0012 makes endpoint changes notify the same channel.

This process's own changes do not wait for the notification: `attach` watches the statements
of every engine in the process, and one that writes `api_keys` or `tenants` empties the cache at once and keeps it
unused until that connection is back in the pool (committed or rolled back), then empties it
again. So a request after a revoke answered by this process is refused here without delay.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.pool import Pool

from core.domain.records import Tenant
from core.ports.key_cache import Verified

CHANNEL = "eqv_auth"
DEFAULT_TTL_S = 5.0
MAX_ENTRIES = 10_000
_WRITES = (
    "UPDATE API_KEYS", "DELETE FROM API_KEYS", "UPDATE TENANTS", "DELETE FROM TENANTS",
    # a tenant's subscribed webhook endpoints are cached here too (ADR 0033)
    "INSERT INTO WEBHOOK_ENDPOINTS", "UPDATE WEBHOOK_ENDPOINTS", "DELETE FROM WEBHOOK_ENDPOINTS",
)
_TOUCH = "UPDATE API_KEYS SET LAST_USED_AT="  # a key's use: changes nothing auth decides on
_MARK = "eqv_auth_changed"
_log = logging.getLogger(__name__)
_CACHES: weakref.WeakSet[ListeningKeyCache] = weakref.WeakSet()
_WATCHING = threading.Lock()
_watching = False


def _watch_every_engine() -> None:
    global _watching
    with _WATCHING:
        if _watching:
            return
        event.listen(Engine, "after_cursor_execute", _saw_statement)
        event.listen(Pool, "checkin", _connection_back)
        _watching = True


def _saw_statement(conn: object, _cursor: object, statement: str, *_: object) -> None:
    head = statement.lstrip()[:40].upper()
    if head.startswith(_WRITES) and not head.startswith(_TOUCH):
        info = conn.info  # type: ignore[attr-defined]
        first = not info.get(_MARK)
        info[_MARK] = True
        for cache in list(_CACHES):
            cache._changing(first)


def _connection_back(_dbapi_connection: object, record: object) -> None:
    info = getattr(record, "info", None)
    if info is not None and info.pop(_MARK, False):
        for cache in list(_CACHES):
            cache._changed()


class ListeningKeyCache:
    def __init__(
        self,
        conninfo: str,
        ttl_s: float = DEFAULT_TTL_S,
        monotonic: Callable[[], float] = time.monotonic,
        retry_s: float = 1.0,
    ) -> None:
        self._conninfo = conninfo
        self._ttl = ttl_s
        self._monotonic = monotonic
        self._retry_s = retry_s
        self._entries: dict[str, tuple[float, Any]] = {}  # Verified, or a tenant's endpoints
        self._lock = threading.Lock()
        self._generation = 0
        self._holds = 0  # this process's transactions that changed keys or tenants, not ended yet
        self._listening = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.notifications = 0  # seen by this process (tests wait on it)

    @classmethod
    def for_engine(cls, engine: Engine, ttl_s: float = DEFAULT_TTL_S) -> ListeningKeyCache:
        url = engine.url.set(drivername="postgresql")
        cache = cls(url.render_as_string(hide_password=False), ttl_s)
        cache.attach(engine)
        return cache

    def attach(self, engine: Engine) -> None:
        """Empty the cache on this process's own writes to keys and tenants, through any engine
        of the process (module docstring); `engine` only says which database is cached."""
        _CACHES.add(self)
        _watch_every_engine()

    def _changing(self, first: bool) -> None:
        """A statement of this process writes keys or tenants: empty, and stay unused until it ends."""
        with self._lock:
            if first:
                self._holds += 1
            self._clear()

    def _changed(self) -> None:
        """That transaction ended (connection back in the pool): empty again, usable again."""
        with self._lock:
            self._holds = max(0, self._holds - 1)
            self._clear()

    # The KeyCache port.
    def generation(self) -> int | None:
        with self._lock:
            return self._generation if self._listening and self._ttl > 0 and self._holds == 0 else None

    def get(self, key_hash: str) -> Verified | None:
        with self._lock:
            entry = self._entries.get(key_hash)
            if entry is None or not self._listening or self._holds:
                return None
            if entry[0] <= self._monotonic():
                del self._entries[key_hash]
                return None
            return entry[1]

    def put(self, key_hash: str, generation: int, verified: Verified) -> None:
        with self._lock:
            if not self._listening or self._holds or generation != self._generation:
                return  # something changed while the key was read: do not keep what was read
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key_hash] = (self._monotonic() + self._ttl, verified)

    # Under the same invalidation: a tenant's active webhook endpoints (ADR 0033), and the tenant
    # itself, for the batch worker that has no key to verify (every tenant change notifies).
    def endpoints_of(self, tenant_id: str, read: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]:
        """The cached endpoints of the tenant, else `read()` (kept unless something changed meanwhile)."""
        return self._kept(f"webhooks:{tenant_id}", read)  # type: ignore[no-any-return]

    def tenant(self, tenant_id: str, read: Callable[[], Tenant | None]) -> Tenant | None:
        """The cached tenant, else `read()`: kept as endpoints are; an unknown tenant is not kept."""
        return self._kept(f"tenant:{tenant_id}", read)  # type: ignore[no-any-return]

    def _kept(self, key: str, read: Callable[[], Any]) -> Any:
        """The entry under `key` (never an API key's HMAC, which is hex), else `read()`, kept
        unless it is None or something changed while it was read."""
        found = self.get(key)
        if found is not None:
            return found
        generation = self.generation()
        value = read()
        if generation is not None and value is not None:
            self.put(key, generation, value)
        return value

    # The listener.
    @property
    def listening(self) -> bool:
        with self._lock:
            return self._listening

    def start(self) -> None:
        if self._thread is not None or self._ttl <= 0:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="key-cache-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=5)
        self._invalidate(listening=False)

    def _invalidate(self, listening: bool) -> None:
        with self._lock:
            self._clear()
            self._listening = listening

    def _clear(self) -> None:  # with self._lock held
        self._entries.clear()
        self._generation += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._invalidate(listening=True)  # whatever happened while not listening
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=0.5):
                            self._invalidate(listening=True)
                            self.notifications += 1
            except Exception as exc:  # noqa: BLE001 - reconnects below; meanwhile every request reads
                _log.warning("key cache listener disconnected: %s", type(exc).__name__)
            self._invalidate(listening=False)
            self._stop.wait(self._retry_s)


def key_cache_for(engine: Engine, ttl_s: float) -> ListeningKeyCache | None:
    """A listening cache on PostgreSQL; None (read every time) on SQLite or with ttl_s <= 0."""
    if engine.dialect.name != "postgresql" or ttl_s <= 0:
        return None
    return ListeningKeyCache.for_engine(engine, ttl_s)
