"""The circuit breaker in front of the mapper services: closed → open → half-open → closed."""

from __future__ import annotations

import threading

import pytest

from adapters.mappers.circuit_breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, CircuitOpen
from core.ports.concept_mapper import MapperError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def failing(breaker: CircuitBreaker, times: int) -> None:
    """`times` calls let through that failed, as the mapper clients report them."""
    for _ in range(times):
        breaker.before_call()
        breaker.record_failure()


def succeeding(breaker: CircuitBreaker) -> None:
    breaker.before_call()
    breaker.record_success()


def test_opens_only_after_threshold_consecutive_failures():
    breaker = CircuitBreaker("s", failure_threshold=3, reset_timeout_s=10, clock=Clock())
    failing(breaker, 2)
    succeeding(breaker)  # a success resets the count
    failing(breaker, 2)
    assert breaker.state == CLOSED
    failing(breaker, 1)
    assert breaker.state == OPEN


def test_open_refuses_without_calling():
    breaker = CircuitBreaker("s", failure_threshold=1, reset_timeout_s=10, clock=Clock())
    failing(breaker, 1)
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    assert issubclass(CircuitOpen, MapperError)


def test_half_open_after_cool_down_lets_one_trial_through():
    clock = Clock()
    breaker = CircuitBreaker("s", failure_threshold=1, reset_timeout_s=10, clock=clock)
    failing(breaker, 1)
    clock.now = 10.0
    assert breaker.state == HALF_OPEN
    breaker.before_call()  # the trial
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # a second caller while the trial is in flight
    breaker.record_success()
    assert breaker.state == CLOSED


def test_failed_trial_reopens_for_a_full_cool_down():
    clock = Clock()
    breaker = CircuitBreaker("s", failure_threshold=5, reset_timeout_s=10, clock=clock)
    failing(breaker, 5)
    clock.now = 10.0
    failing(breaker, 1)
    assert breaker.state == OPEN
    clock.now = 19.0
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    clock.now = 20.0
    assert breaker.state == HALF_OPEN


def test_concurrent_failures_open_it_exactly_once():
    breaker = CircuitBreaker("s", failure_threshold=50, reset_timeout_s=10, clock=Clock())
    threads = [threading.Thread(target=breaker.record_failure) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert breaker.state == OPEN


def test_rejects_nonsense_configuration():
    with pytest.raises(ValueError):
        CircuitBreaker("s", failure_threshold=0)
