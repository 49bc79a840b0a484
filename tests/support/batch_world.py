"""A batch world over fakes (queue, unit of work, clock) for the batch use-case tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.domain.model import ConceptMatch, Course, Policy, Taxonomy, TaxonomyNode
from core.ports.unit_of_work import UnitOfWork
from core.usecases.batch import ProcessItem, Reconcile, SubmitBatch
from core.usecases.bootstrap import DEFAULT_TENANT, Seed
from core.usecases.evaluate import EvaluateCommand, EvaluateOutcome, EvaluatePair
from tests.fakes import FakeJobQueue, FakeUnitOfWorkFactory, FixedClock, SequentialIds, StaticMapper

TAXONOMY = Taxonomy(
    "tax-1",
    (
        TaxonomyNode("lim", "matematica", "calculo", "Limites", critico=True),
        TaxonomyNode("der", "matematica", "calculo", "Derivadas"),
    ),
)
TEXT = "Limites e derivadas de funções reais."
ALL = tuple(ConceptMatch(n.node_id, 0.9, (n.conceito,)) for n in TAXONOMY.nodes)
STALE_AFTER = dt.timedelta(minutes=5)


class Flaky:
    """EvaluatePair that raises a transient error for the first `failures` calls of each request."""

    def __init__(self, inner: EvaluatePair, failures: dict[str, int]) -> None:
        self.inner = inner
        self.failures = dict(failures)

    def __call__(self, command: EvaluateCommand, also: Callable[[UnitOfWork], object] | None = None) -> EvaluateOutcome:
        if self.failures.get(command.request_id, 0) > 0:
            self.failures[command.request_id] -= 1
            raise ConnectionError("database hiccup")
        return self.inner(command, also=also)


@dataclass
class World:
    uows: FakeUnitOfWorkFactory
    clock: FixedClock
    queue: FakeJobQueue
    evaluate: EvaluatePair
    submit: SubmitBatch
    process: ProcessItem
    reconcile: Reconcile

    def results(self) -> int:
        return len(self.uows.store.results)

    def evaluation_events(self) -> int:
        return sum(1 for e in self.uows.store.audit.values() if e.event_type == "evaluation")

    def items(self, job_id: str) -> list:
        return self.uows.store.jobs[job_id].items

    def run_queue(self) -> None:
        """A worker draining the queue until it is empty (transient errors just drop the message)."""
        while messages := self.queue.take_all():
            for job_id, index in messages:
                try:
                    self.process(job_id, index)
                except ConnectionError:
                    pass


def world(max_items: int = 100, failures: dict[str, int] | None = None) -> World:
    uows, clock, queue = FakeUnitOfWorkFactory(), FixedClock(), FakeJobQueue()
    Seed(uows, b"pepper", clock, SequentialIds())(TAXONOMY, Policy(version="pol-1"), None)
    evaluate = EvaluatePair(uows, StaticMapper({TEXT: ALL}), None, clock)
    worker_evaluate = Flaky(evaluate, failures or {})
    return World(
        uows,
        clock,
        queue,
        evaluate,
        SubmitBatch(uows, queue, SequentialIds("job-"), clock, max_items),
        ProcessItem(uows, worker_evaluate, clock),
        Reconcile(uows, queue, clock, STALE_AFTER),
    )


def command(request_id: str = "", **changes: Any) -> EvaluateCommand:
    course = Course("Cálculo", 60, TEXT, aprovado=True)
    base = EvaluateCommand(DEFAULT_TENANT, request_id, f"hash-{request_id}", course, course)
    return dataclasses.replace(base, **changes)
