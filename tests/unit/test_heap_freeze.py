"""A serving process's start-up heap leaves the collector's full passes (entrypoints/heap.py, ADR 0044)."""

from __future__ import annotations

import gc
import logging
import weakref
from collections.abc import Iterator

import pytest

from entrypoints.heap import freeze_start_up_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's heap as it was: frozen objects back into the collected generations."""
    gc.unfreeze()
    yield
    gc.unfreeze()


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_what_is_alive_at_start_up_is_frozen_and_said(unfrozen: None, caplog: pytest.LogCaptureFixture) -> None:
    alive = Node()
    with caplog.at_level(logging.INFO, logger="entrypoints.heap"):
        frozen = freeze_start_up_heap()
    assert frozen > 0 and gc.get_freeze_count() > 0
    assert not any(alive is o for o in gc.get_objects())  # in the permanent generation: never walked
    assert f"start-up heap frozen: {frozen} objects" in caplog.text


def test_garbage_made_after_the_freeze_is_still_collected(unfrozen: None) -> None:
    kept = Node()
    freeze_start_up_heap()
    garbage = Node()
    collected = weakref.ref(garbage)
    assert any(garbage is o for o in gc.get_objects())  # a new object is walked as before
    del garbage
    gc.collect()
    assert collected() is None
    # the collection left the start-up heap frozen; the freeze count is no measure of that, since a
    # frozen object freed by its reference count (another test's leftovers, a thread) leaves it
    assert not any(kept is o for o in gc.get_objects())


def test_garbage_alive_before_the_freeze_is_collected_by_it(unfrozen: None) -> None:
    """The freeze collects first: a cycle already dropped at start-up is freed, not kept for good."""
    dropped = weakref.ref(Node())  # dropped at once: a cycle only the collector frees
    assert dropped() is not None
    freeze_start_up_heap()
    assert dropped() is None
