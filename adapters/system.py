"""The real clock and id generator (ports Clock and IdGenerator), and a background runner."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)

    def monotonic(self) -> float:
        return time.perf_counter()


class UuidGenerator:
    def new_id(self) -> str:
        return uuid.uuid4().hex


def run_in_background(task: Callable[[], None]) -> None:
    """Run a short, best-effort side effect in a daemon thread so the caller never waits for it
    (e.g. recording a key's last use). Used rarely (throttled by the caller); lost at exit."""
    threading.Thread(target=task, name="eqv-background", daemon=True).start()
