"""Can the database still take a write? The part of /ready a plain `SELECT 1` misses.

A read-only or full disk (embedded SQLite), a read-only PostgreSQL (a standby, or
`default_transaction_read_only`) or one out of WAL space still answers reads, while every
evaluation fails. The probe commits a tiny write that touches no table of the service:

- SQLite: sets `PRAGMA user_version` to its own value (rewrites the header page, through
  the journal or WAL, as any write does);
- PostgreSQL: checks `transaction_read_only` and assigns a transaction id (`txid_current()`),
  whose commit record must reach the WAL;
- anything else: nothing (reported ok).

It runs at most once per `interval_s` (EQV_READY_WRITE_PROBE_S, default 30 s; a failure is
re-checked after at most 5 s); /ready reports the last answer in between.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, text

RETRY_FAILED_AFTER_S = 5.0


class WriteProbe:
    def __init__(self, engine: Engine, interval_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._interval_s = interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._answer: str | None = None
        self._checked_at = 0.0

    def __call__(self) -> str:
        """"ok", or "error: not writable (...)"."""
        with self._lock:
            now = self._clock()
            fresh_for = self._interval_s if self._answer == "ok" else min(self._interval_s, RETRY_FAILED_AFTER_S)
            if self._answer is not None and now - self._checked_at < fresh_for:
                return self._answer
            self._answer, self._checked_at = self._probe(), now
            return self._answer

    def _probe(self) -> str:
        try:
            with self._engine.begin() as connection:
                dialect = connection.dialect.name
                if dialect == "sqlite":
                    version = int(connection.execute(text("PRAGMA user_version")).scalar() or 0)
                    connection.execute(text(f"PRAGMA user_version = {version}"))
                elif dialect == "postgresql":
                    read_only = connection.execute(
                        text("SELECT current_setting('transaction_read_only'), txid_current()")
                    ).scalar()
                    if read_only == "on":
                        return "error: not writable (read-only transaction)"
        except Exception as exc:  # noqa: BLE001 - any failure to write means not ready
            return f"error: not writable ({type(exc).__name__})"
        return "ok"
