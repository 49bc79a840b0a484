from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time for records and a monotonic counter for timings."""

    def now(self) -> dt.datetime: ...

    def monotonic(self) -> float: ...
