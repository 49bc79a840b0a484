"""One way to wait in tests: poll a condition with tenacity until it holds or a deadline passes.

The deadline bounds a hung test, it is not a performance claim: keep it generous (seconds), since
the CI machine is busy. A check that returns a falsy value or raises AssertionError is retried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, retry_if_result, stop_after_delay, wait_fixed

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The condition never held within the deadline."""


def wait_until(check: Callable[[], T | None], timeout_s: float = 30.0, interval_s: float = 0.05, what: str = "") -> T:
    """The first truthy value `check()` returns, polling every `interval_s` for at most `timeout_s`."""
    name = what or getattr(check, "__name__", "condition")

    def give_up(state: RetryCallState) -> NoReturn:
        outcome = state.outcome
        last = outcome.exception() if outcome is not None and outcome.failed else (outcome and outcome.result())
        raise WaitTimeout(f"{name} did not hold within {timeout_s:g}s (last: {last!r})")

    retrying = Retrying(
        stop=stop_after_delay(timeout_s),
        wait=wait_fixed(interval_s),
        retry=retry_if_result(lambda value: not value) | retry_if_exception_type(AssertionError),
        retry_error_callback=give_up,
    )
    value = retrying(check)
    assert value is not None  # retried until truthy
    return value
