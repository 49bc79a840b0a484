"""The tests' one polling helper: returns the first truthy value, retries failed asserts, names what timed out."""

from __future__ import annotations

import itertools

import pytest

from tests.support.waiting import WaitTimeout, wait_until


def test_returns_the_first_truthy_value() -> None:
    calls = itertools.count(1)
    assert wait_until(lambda: next(calls) >= 3 and "ready", interval_s=0) == "ready"
    assert next(calls) == 4  # polled exactly until it held


def test_a_failed_assert_is_retried_and_reported_when_it_never_holds() -> None:
    def never() -> None:
        raise AssertionError("still 0 rows")

    with pytest.raises(WaitTimeout, match="rows appear did not hold.*still 0 rows"):
        wait_until(never, timeout_s=0.05, interval_s=0.01, what="rows appear")


def test_any_other_error_propagates_at_once() -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("bad request")

    with pytest.raises(ValueError):
        wait_until(broken)
    assert calls == [1]
