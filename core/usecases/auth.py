"""Authentication: an API key is valid when its hash is known, it is not revoked and its tenant is active.

The key and its tenant come from one read (`find_with_tenant`), and the tenant rides on the
Principal so the request does not read it again (ADR 0005). With a `KeyCache` (ADR 0028) a
valid key skips that read; the cache forgets everything when a key or tenant changes. Two side effects, both cheap and neither able to fail the request:
- a valid key's `last_used_at` is refreshed at most once per `touch_every` (per process; the
  conditional UPDATE keeps it to about once across processes), handed to `run_later` so the
  request never waits for that write;
- a refused key is counted (`FailureBursts`); the failure that makes a burst appends one
  `auth.failure_burst` audit event to the tenant of the stored key it names.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from core.domain.api_keys import KEY_TYPE, PREFIX_LENGTH, hash_key, key_prefix
from core.domain.auth_failures import AuthFailure, FailureBursts, FailureReason
from core.domain.records import ApiKeyRecord, AuditEvent, Principal, Tenant
from core.ports.clock import Clock
from core.ports.key_cache import KeyCache
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

Task = Callable[[], None]
TOUCH_EVERY = dt.timedelta(minutes=1)
_MAX_REMEMBERED_TOUCHES = 100_000
_log = logging.getLogger(__name__)


def run_now(task: Task) -> None:
    """Run a side effect in the caller's thread (tests, CLI); services hand in a background runner."""
    task()


class _WallClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


class Authenticate:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        pepper: bytes,
        clock: Clock | None = None,
        *,
        bursts: FailureBursts | None = None,
        run_later: Callable[[Task], None] = run_now,
        touch_every: dt.timedelta = TOUCH_EVERY,
        cache: KeyCache | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._pepper = pepper
        self._clock = clock or _WallClock()
        self._bursts = bursts or FailureBursts()
        self._run_later = run_later
        self._touch_every = touch_every
        self._touched: dict[str, dt.datetime] = {}  # key_id -> when this process last asked for a touch
        self._lock = threading.Lock()
        self._cache = cache

    def __call__(self, plaintext: str | None) -> Principal | None:
        if not plaintext:
            return None
        checked = self._verified(plaintext, hash_key(plaintext, self._pepper))
        now = self._clock.now()
        if isinstance(checked, AuthFailure):
            self._count(checked, now)
            return None
        return self._admitted(*checked, now)

    def cached(self, plaintext: str | None) -> Principal | None:
        """The key's principal when the key cache holds it: no database read, so an event loop
        may call it. None means "not known here", never "refused": then call the use case (from a
        worker thread), which reads the key, counts a failure and fills the cache."""
        cache = self._cache
        if not plaintext or cache is None or cache.generation() is None:
            return None
        hit = cache.get(hash_key(plaintext, self._pepper))
        return None if hit is None else self._admitted(*hit, self._clock.now())

    def _admitted(self, record: ApiKeyRecord, tenant: Tenant, now: dt.datetime) -> Principal:
        self._touch_if_stale(record, now)
        return Principal(tenant_id=record.tenant_id, key_id=record.key_id, role=record.role, tenant=tenant)

    def _verified(self, plaintext: str, key_hash: str) -> tuple[ApiKeyRecord, Tenant] | AuthFailure:
        cache = self._cache
        generation = None if cache is None else cache.generation()
        if cache is not None and generation is not None:
            hit = cache.get(key_hash)
            if hit is not None:
                return hit
        with self._uow_factory.reading() as uow:
            checked = _check(uow, plaintext, key_hash)
        if cache is not None and generation is not None and not isinstance(checked, AuthFailure):
            cache.put(key_hash, generation, checked)
        return checked

    def _touch_if_stale(self, record: ApiKeyRecord, now: dt.datetime) -> None:
        every = self._touch_every
        if record.last_used_at is not None and now - record.last_used_at < every:
            return
        with self._lock:
            asked = self._touched.get(record.key_id)
            if asked is not None and now - asked < every:
                return
            if len(self._touched) >= _MAX_REMEMBERED_TOUCHES:
                self._touched.clear()  # costs at most one extra conditional UPDATE per key
            self._touched[record.key_id] = now
        key_id, stale_before = record.key_id, now - every
        self._run_later(lambda: self._touch(key_id, now, stale_before))

    def _touch(self, key_id: str, now: dt.datetime, stale_before: dt.datetime) -> None:
        try:
            with self._uow_factory() as uow:
                uow.api_keys.touch(key_id, now, stale_before)
                uow.commit()
        except Exception as exc:  # noqa: BLE001 - best effort: a lost touch only leaves last_used_at older
            _log.warning("could not record the use of API key %s: %s", key_id, type(exc).__name__)

    def _count(self, failure: AuthFailure, now: dt.datetime) -> None:
        burst = self._bursts.record(failure, now)
        if burst is None:
            return
        event = AuditEvent(failure.tenant_id, "auth.failure_burst", burst.audit_payload(), now)
        try:
            with self._uow_factory() as uow:
                uow.audit.append(event)
                uow.commit()
        except Exception as exc:  # noqa: BLE001 - the caller still gets its 401; the next failure retries
            self._bursts.rearm(burst)
            _log.warning("could not audit an authentication failure burst: %s", type(exc).__name__)


def _check(uow: UnitOfWork, plaintext: str, key_hash: str) -> tuple[ApiKeyRecord, Tenant] | AuthFailure:
    """The stored key and its tenant, when the key may be used; otherwise why it is refused."""
    found = uow.api_keys.find_with_tenant(key_hash)
    if found is None:
        return _unknown_key(uow, plaintext)
    record, tenant = found
    if record.revoked_at is not None:
        return _failure(FailureReason.REVOKED_KEY, record)
    if tenant is None or not tenant.active:
        return _failure(FailureReason.TENANT_DISABLED, record)
    return record, tenant


def _failure(reason: FailureReason, record: ApiKeyRecord) -> AuthFailure:
    return AuthFailure(reason, record.tenant_id, record.key_id, record.prefix)


def _unknown_key(uow: UnitOfWork, plaintext: str) -> AuthFailure:
    """Attribute an unknown key to the stored key with its prefix, if exactly one has it."""
    if plaintext.startswith(KEY_TYPE) and len(plaintext) > PREFIX_LENGTH:
        owners = uow.api_keys.find_by_prefix(key_prefix(plaintext))
        if len(owners) == 1:
            return _failure(FailureReason.UNKNOWN_KEY, owners[0])
    return AuthFailure(FailureReason.UNKNOWN_KEY)
