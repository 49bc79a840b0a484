"""Authentication on the event loop (issue 16): a key this process already knows, and a call the
rate limiter can count without a round trip, cost no hand-off to a worker thread. Anything else
(an unknown key, a refused one, a call that needs Redis) is authenticated in a worker thread, as
before, so failures are still counted there."""

from __future__ import annotations

import threading
from typing import Any

from litestar.testing import TestClient

from adapters.http.app import Serving, create_app
from adapters.rate_limits.leased_rate_limiter import LeasedRateLimiter
from adapters.rate_limits.memory_rate_limiter import MemoryRateLimiter
from core.domain.rate_limits import RateDecision, RateLimit, RateLimitPolicy, RouteGroup
from core.domain.records import Principal, Role
from entrypoints.asgi import handler_dependencies
from tests.support.containers import test_container

PROBE = "/v1/equivalences/not-stored-anywhere"
CLIENT = Principal("tenant-x", "key-1", Role.CLIENT)
AUDITOR = Principal("tenant-x", "key-2", Role.AUDITOR)


class Authenticate:
    """The use case as the app sees it: records the threads it is called from."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.threads: list[threading.Thread] = []

    def __call__(self, key: str | None) -> Principal | None:
        self.threads.append(threading.current_thread())
        return self.principal if key == "good" else None


class Known:
    """Authenticate.cached: knows the good key once `learned`."""

    def __init__(self, principal: Principal, learned: bool = True) -> None:
        self.principal, self.learned = principal, learned

    def __call__(self, key: str | None) -> Principal | None:
        return self.principal if self.learned and key == "good" else None


class Taking:
    """The shared (Redis) limiter behind LeasedRateLimiter, counting its round trips."""

    def __init__(self) -> None:
        self.round_trips = 0

    def take(self, key: str, limit: RateLimit, wanted: int) -> tuple[RateDecision, int]:
        self.round_trips += 1
        return RateDecision(True, limit.count, limit.count - self.round_trips, 0.0, 0.0), wanted


def _client(authenticate: Authenticate, known: Known, limiter: Any = None, limit: RateLimit | None = None) -> TestClient[Any]:
    container = test_container()
    handlers = {**handler_dependencies(container), "readiness": lambda: dict}
    policy = RateLimitPolicy({RouteGroup.READ: limit}) if limit is not None else None
    rate_limits = (limiter, policy) if limiter is not None and policy is not None else None
    serving = Serving(authenticate=authenticate, known_principal=known, rate_limits=rate_limits)  # type: ignore[arg-type]
    return TestClient(create_app(handlers, serving))


def test_a_known_key_is_answered_without_the_use_case() -> None:
    authenticate = Authenticate(CLIENT)
    with _client(authenticate, Known(CLIENT)) as client:
        assert client.get(PROBE, headers={"X-API-Key": "good"}).status_code == 404  # authenticated, then not found
    assert authenticate.threads == []


def test_an_unknown_key_is_authenticated_in_a_worker_thread() -> None:
    authenticate = Authenticate(CLIENT)
    with _client(authenticate, Known(CLIENT, learned=False)) as client:
        assert client.get(PROBE, headers={"X-API-Key": "good"}).status_code == 404
        answer = client.get(PROBE, headers={"X-API-Key": "bad"})
        assert answer.status_code == 401 and answer.json()["detail"] == "Invalid API key"
    assert len(authenticate.threads) == 2
    assert all(thread is not threading.main_thread() for thread in authenticate.threads)


def test_a_known_key_of_the_wrong_role_is_refused_on_the_loop_too() -> None:
    authenticate = Authenticate(AUDITOR)
    with _client(authenticate, Known(AUDITOR)) as client:
        answer = client.post("/v1/equivalences/evaluate", json={}, headers={"X-API-Key": "good"})
    assert answer.status_code == 403 and "auditor" in answer.json()["detail"]
    assert authenticate.threads == []


def test_a_local_limiter_counts_on_the_loop_and_refuses_with_retry_after() -> None:
    authenticate = Authenticate(CLIENT)
    with _client(authenticate, Known(CLIENT), MemoryRateLimiter(), RateLimit(2, 60)) as client:
        answers = [client.get(PROBE, headers={"X-API-Key": "good"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [404, 404, 429]
    assert answers[1].headers["X-RateLimit-Remaining"] == "0" and int(answers[2].headers["Retry-After"]) > 0
    assert authenticate.threads == []


def test_a_call_the_lease_cannot_cover_goes_to_a_worker_thread_and_is_counted_once() -> None:
    authenticate, shared = Authenticate(CLIENT), Taking()
    with _client(authenticate, Known(CLIENT), LeasedRateLimiter(shared), RateLimit(100_000, 60)) as client:
        statuses = [client.get(PROBE, headers={"X-API-Key": "good"}).status_code for _ in range(4)]
    assert statuses == [404] * 4
    # 1st call: nothing leased (thread, 1 taken); 2nd: lease used up (thread, 2 taken); 3rd: spent on
    # the loop from the lease; 4th: used up again (thread, 4 taken)
    assert shared.round_trips == 3 and len(authenticate.threads) == 3
