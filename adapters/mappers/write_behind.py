"""Write-behind for the shared mapping cache: a miss's SET leaves the request path.

A cold ementa used to cost two Redis round trips on the request path: the GET that missed and
the SET of the new mapping. The SET pays the request nothing, so `TieredMappingCache` hands it
here: one daemon thread per process writes whatever has queued up in one pipelined round trip.

Failure modes, all harmless for a cache: Redis down or slow → the writer's SETs fail and are
counted by the shared cache (the request already answered); more than `max_pending` entries
waiting → new ones are dropped and counted (`dropped`); process exit → pending entries are lost.
Each lost entry only costs a later request a recomputation (mappings are deterministic).
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Protocol

from core.domain.model import ConceptMatch

log = logging.getLogger(__name__)

Entry = tuple[str, tuple[ConceptMatch, ...]]
MAX_BATCH = 200


class BulkWriter(Protocol):
    def set_many(self, entries: list[Entry]) -> None: ...


class WriteBehind:
    def __init__(self, shared: BulkWriter, max_pending: int = 2_000) -> None:
        self._shared = shared
        self._queue: queue.Queue[Entry] = queue.Queue(maxsize=max_pending)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def submit(self, key: str, matches: tuple[ConceptMatch, ...]) -> None:
        """Queue one entry; never blocks and never raises."""
        self._start()
        try:
            self._queue.put_nowait((key, matches))
        except queue.Full:
            with self._lock:
                self.dropped += 1

    def flush(self) -> None:
        """Wait until every queued entry has been written or has failed (tests, shutdown)."""
        self._queue.join()

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
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._shared.set_many(batch)
            except Exception as exc:  # noqa: BLE001 - the writer must outlive any failure
                log.warning("mapping cache write-behind failed (%s)", type(exc).__name__)
            finally:
                for _ in batch:
                    self._queue.task_done()
