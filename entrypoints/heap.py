"""A long-running process's start-up heap, kept out of the garbage collector's full passes.

CPython's cyclic collector walks every container object of the generation it collects. A full
(generation 2) pass therefore walks the whole start-up heap of an API or worker process: the
modules, classes and functions of Litestar, SQLAlchemy, psycopg, numpy…, the taxonomy index and
the word tables, about 220,000 objects that live as long as the process does. Measured in an API
process under cold load, each full pass cost 140–185 ms of CPU, holding the GIL while requests
waited, a few times a minute per process (ADR 0044).

`freeze_start_up_heap` runs once, when the process has started and the mappers are warm: one
collection, then `gc.freeze()` moves every object alive at that moment to the permanent
generation, which no later collection walks. Objects made afterwards (requests, cache entries)
are collected as before; a frozen object is still freed when its reference count drops to zero.
What freezing gives up: a reference cycle that was already alive at that moment and becomes
garbage later is never collected (start-up objects live for the whole process anyway).

Only processes that serve (`equivalence serve`'s API processes, `equivalence worker`) freeze; an
app built in a test process does not.
"""

from __future__ import annotations

import gc
import logging

_log = logging.getLogger(__name__)


def freeze_start_up_heap() -> int:
    """Collect once, then freeze every object alive now; returns how many are frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    _log.info("start-up heap frozen: %d objects left out of later garbage collections", frozen)
    return frozen
