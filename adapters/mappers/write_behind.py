"""Write-behind for the shared mapping cache: a miss's SET leaves the request path.

A cold ementa used to cost two Redis round trips on the request path: the GET that missed and
the SET of the new mapping. The SET pays the request nothing, so `TieredMappingCache` hands it
here: one daemon thread per process writes whatever has queued up in one pipelined round trip.

The request only appends to a deque and wakes nobody (issue 16: a `queue.Queue` woke the
writer thread for every entry, and that hand-off of the GIL cost ~4-5% of a cold evaluation's
CPU). The writer wakes every `interval_s` (50 ms) and writes what queued up since; it is woken
early only when a full batch waits, or by `flush`. A new mapping reaches Redis within ~50 ms.

Failure modes, all harmless for a cache: Redis down or slow → the writer's SETs fail and are
counted by the shared cache (the request already answered); more than `max_pending` entries
waiting → new ones are dropped and counted (`dropped`); process exit → pending entries are lost.
Each lost entry only costs a later request a recomputation (mappings are deterministic).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Protocol

from core.domain.model import ConceptMatch

log = logging.getLogger(__name__)

Entry = tuple[str, tuple[ConceptMatch, ...]]
MAX_BATCH = 200
INTERVAL_S = 0.05


class BulkWriter(Protocol):
    def set_many(self, entries: list[Entry]) -> None: ...


class WriteBehind:
    def __init__(self, shared: BulkWriter, max_pending: int = 2_000, interval_s: float = INTERVAL_S) -> None:
        self._shared = shared
        self._max_pending = max_pending
        self._interval_s = interval_s
        self._pending: deque[Entry] = deque()  # append and popleft are atomic: no lock on the request path
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._writing = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def submit(self, key: str, matches: tuple[ConceptMatch, ...]) -> None:
        """Queue one entry; never blocks and never raises."""
        self._start()
        if len(self._pending) >= self._max_pending:  # racing submitters may pass it by a few: harmless
            with self._lock:
                self.dropped += 1
            return
        self._pending.append((key, matches))
        if len(self._pending) >= MAX_BATCH and not self._wake.is_set():
            self._wake.set()  # a full batch: do not wait for the next tick

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until every queued entry has been written or has failed (tests, shutdown)."""
        self._wake.set()
        with self._idle:
            self._idle.wait_for(lambda: not self._pending and not self._writing, timeout=timeout_s)

    def _start(self) -> None:
        # Started on first use, in the process that uses it (a forked worker gets its own thread).
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="eqv-mapping-write-behind", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval_s)
            self._wake.clear()
            with self._idle:
                self._writing = True
            batch = self._take()
            try:
                if batch:
                    self._shared.set_many(batch)
            except Exception as exc:  # noqa: BLE001 - the writer must outlive any failure
                log.warning("mapping cache write-behind failed (%s)", type(exc).__name__)
            finally:
                with self._idle:
                    self._writing = False
                    if self._pending:
                        self._wake.set()  # more than one batch was waiting
                    self._idle.notify_all()

    def _take(self) -> list[Entry]:
        batch: list[Entry] = []
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self._pending.popleft())
            except IndexError:
                break
        return batch
