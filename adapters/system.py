"""The real clock and id generator (ports Clock and IdGenerator)."""

from __future__ import annotations

import datetime as dt
import time
import uuid


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)

    def monotonic(self) -> float:
        return time.perf_counter()


class UuidGenerator:
    def new_id(self) -> str:
        return uuid.uuid4().hex
