from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable


@runtime_checkable  # handlers take it as a dependency, and Litestar checks their types
class Clock(Protocol):
    """Wall-clock time for records and a monotonic counter for timings."""

    def now(self) -> dt.datetime: ...

    def monotonic(self) -> float: ...
