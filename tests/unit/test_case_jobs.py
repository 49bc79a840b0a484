"""Large cases as jobs (ADR 0027): submitted, decided by a batch worker exactly once, even when the
worker dies in the middle of the case."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from core.domain.errors import NotFound, VersionDeprecated, VersionNotFound
from core.domain.records import JobStatus
from core.usecases.bootstrap import DEFAULT_TENANT
from core.usecases.batch import BatchJobs, ProcessItem
from core.usecases.case_jobs import RunCaseItem, SubmitCase, case_from_payload, case_to_payload
from core.usecases.cases import EvaluateCase
from core.usecases.evaluate import EvaluatePair
from tests.fakes import FakeJobQueue, SequentialIds
from tests.support.case_world import CaseWorld, case_world


class DiesMidCase(EvaluatePair):
    """EvaluatePair whose process dies (an exception nobody handles) once, while the case's pair
    decisions are staged in the case's transaction: nothing of the case is committed."""

    armed = True

    def stage_decided(self, *args: Any, **kwargs: Any) -> Any:
        super().stage_decided(*args, **kwargs)
        if DiesMidCase.armed:
            DiesMidCase.armed = False
            raise SystemExit("worker killed mid-case")


class DiedStoringOneByOne(EvaluatePair):
    """A run of the code before the batch (ADR 0027): it stored two pair decisions, each in its own
    transaction, then died; the rerun finds them stored."""

    armed = True

    def stage_decided(self, uow: Any, pairs: Any, policy: Any) -> Any:
        if DiedStoringOneByOne.armed:
            DiedStoringOneByOne.armed = False
            for pair in pairs[:2]:
                self.store_decided(pair.command, pair.evaluation, policy, pair.precedents)
            raise SystemExit("worker killed mid-case")
        return super().stage_decided(uow, pairs, policy)


def _jobs(world: CaseWorld, pairs: EvaluatePair | None = None) -> tuple[SubmitCase, ProcessItem, FakeJobQueue]:
    use_case = world.evaluate_case
    if pairs is not None:
        use_case = EvaluateCase(world.uows, pairs, use_case._topics, use_case._solver, world.clock, SequentialIds("case-"))  # noqa: SLF001
    queue = FakeJobQueue()
    process = ProcessItem(world.uows, use_case._pairs, world.clock, cases=RunCaseItem(use_case, world.uows, world.clock))  # noqa: SLF001
    return SubmitCase(world.uows, queue, world.clock, SequentialIds("job-")), process, queue


def _decisions(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    return [(d["codigo"], d["decisao"], d["origens"]) for d in document["destinos"]]


def test_a_case_job_is_queued_then_decided_like_the_synchronous_case() -> None:
    world = case_world()
    submit, process, queue = _jobs(world)
    job = submit(world.command(student_hash="s" * 64))
    assert queue.messages == [(job.job_id, 0)]
    decided, progress = submit.progress("default", job.job_id)
    assert not decided and progress["status"] == "queued"

    assert process(job.job_id, 0) is JobStatus.DONE
    decided, document = submit.progress("default", job.job_id)
    assert decided and document["case_id"] == job.job_id and document["student_sha256"] == "s" * 64
    assert BatchJobs(world.uows).progress("default", job.job_id).status is JobStatus.DONE
    assert _decisions(document) == _decisions(case_world().evaluate_case(world.command()))
    assert process(job.job_id, 0) is None  # a repeated message: nothing to do
    assert len(world.events("case")) == 1


def test_a_case_job_on_an_unknown_or_deprecated_curriculum_is_refused_before_it_is_queued() -> None:
    world = case_world()
    submit, _, queue = _jobs(world)
    with pytest.raises(VersionNotFound):
        submit(world.command(curriculum_version="nope"))
    with world.uows() as uow:
        uow.curricula.deprecate(DEFAULT_TENANT, world.version)
        uow.commit()
    with pytest.raises(VersionDeprecated, match="deprecated"):
        submit(world.command())
    assert queue.messages == []
    with world.uows.reading() as uow:
        assert uow.jobs.get(DEFAULT_TENANT, "job-1") is None


def test_a_worker_killed_mid_case_completes_it_once_on_the_next_delivery() -> None:
    world = case_world()
    DiesMidCase.armed = True
    pairs = DiesMidCase(world.uows, world.evaluate_case._pairs._primary, None, world.clock, topic_matcher=world.evaluate_case._topics)  # noqa: SLF001
    submit, process, _ = _jobs(world, pairs)
    job = submit(world.command())
    with pytest.raises(SystemExit):
        process(job.job_id, 0)
    assert world.events("evaluation") == [] and world.events("case") == []  # one transaction: nothing stored
    decided, progress = submit.progress("default", job.job_id)
    assert not decided and progress["status"] == "running" and progress["tentativas"] == 1

    assert process(job.job_id, 0) is JobStatus.DONE  # the message again (a retry or the reconciler)
    decided, document = submit.progress("default", job.job_id)
    assert decided and len(world.events("case")) == 1
    stored = [d["request_id"] for d in document["destinos"] if d["request_id"]]
    evaluations = [e.payload["request_id"] for e in world.events("evaluation")]
    assert sorted(evaluations) == sorted(stored)  # each pair decided and audited once
    assert all(e.payload["case_id"] == job.job_id for e in world.events("evaluation"))
    assert _decisions(document) == _decisions(case_world().evaluate_case(world.command()))


def test_a_rerun_after_pairs_stored_one_by_one_replays_them_and_stores_the_rest_once() -> None:
    world = case_world()
    DiedStoringOneByOne.armed = True
    pairs = DiedStoringOneByOne(world.uows, world.evaluate_case._pairs._primary, None, world.clock, topic_matcher=world.evaluate_case._topics)  # noqa: SLF001
    submit, process, _ = _jobs(world, pairs)
    job = submit(world.command())
    with pytest.raises(SystemExit):
        process(job.job_id, 0)
    assert len(world.events("evaluation")) == 2 and world.events("case") == []

    assert process(job.job_id, 0) is JobStatus.DONE
    decided, document = submit.progress("default", job.job_id)
    assert decided and len(world.events("case")) == 1
    stored = [d["request_id"] for d in document["destinos"] if d["request_id"]]
    evaluations = [e.payload["request_id"] for e in world.events("evaluation")]
    assert sorted(evaluations) == sorted(stored)  # the first two replayed, the rest stored once
    assert _decisions(document) == _decisions(case_world().evaluate_case(world.command()))


def test_an_evaluate_case_rerun_with_a_stored_case_id_answers_from_storage() -> None:
    world = case_world()
    first = world.evaluate_case(world.command(case_id="fixed-1"))
    again = world.evaluate_case(world.command(case_id="fixed-1"))
    assert again == first and len(world.events("case")) == 1


def test_the_payload_keeps_the_command_and_the_student_only_as_a_hash() -> None:
    world = case_world()
    command = world.command(student_hash="h" * 64, case_id="c-1", caller={"key_id": "k", "role": "client"})
    payload = case_to_payload(command)
    assert case_from_payload("default", "c-1", payload) == command
    with pytest.raises(ValueError, match="stored curriculum"):
        case_to_payload(world.command(units=(), curriculum_version=None))


def test_an_undecodable_case_item_fails_at_once() -> None:
    world = case_world()
    submit, process, _ = _jobs(world)
    job = submit(world.command())
    with world.uows() as uow:
        item = uow.jobs.get_item(job.job_id, 0)
        assert item is not None
        item.payload["command"].pop("transcript")
        uow.commit()
    assert process(job.job_id, 0) is JobStatus.FAILED
    decided, progress = submit.progress("default", job.job_id)
    assert not decided and progress["status"] == "failed" and "invalid stored payload" in progress["erro"]


def test_a_running_case_job_shows_the_units_scored() -> None:
    world = case_world()
    DiesMidCase.armed = True
    pairs = DiesMidCase(world.uows, world.evaluate_case._pairs._primary, None, world.clock, topic_matcher=world.evaluate_case._topics)  # noqa: SLF001
    submit, process, _ = _jobs(world, pairs)
    job = submit(world.command())
    decided, progress = submit.progress("default", job.job_id)
    assert not decided and progress["progresso"] is None  # queued: nothing scored yet
    with pytest.raises(SystemExit):  # dies after scoring every unit, before storing the case
        process(job.job_id, 0)
    decided, progress = submit.progress("default", job.job_id)
    shown = progress["progresso"]
    assert not decided and shown["fase"] == "avaliando"
    assert shown["unidades_avaliadas"] == shown["unidades_total"] > 0


class FinishesAfterFirstRead:
    """The worker commits the case (and its item's `done`) right after the reader's first read."""

    def __init__(self, world: CaseWorld, finish: Callable[[], Any]) -> None:
        self._uows = world.uows
        self._finish: Callable[[], Any] | None = finish

    def __call__(self) -> Any:
        return self._uows()

    @contextmanager
    def reading(self) -> Iterator[Any]:
        with self._uows.reading() as uow:
            yield uow
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()


def test_a_case_finished_between_the_reads_is_told_decided_not_as_a_bare_done_job() -> None:
    world = case_world()
    submit, process, queue = _jobs(world)
    job = submit(world.command())
    racing = SubmitCase(FinishesAfterFirstRead(world, lambda: process(job.job_id, 0)), queue, world.clock, SequentialIds("x-"))  # type: ignore[arg-type]
    decided, document = racing.progress("default", job.job_id)
    assert decided and _decisions(document) == _decisions(case_world().evaluate_case(world.command()))


def test_a_case_decided_synchronously_has_no_job_and_an_unknown_case_is_not_found() -> None:
    world = case_world()
    submit, _, _ = _jobs(world)
    case = world.evaluate_case(world.command(case_id="sync-1"))
    decided, document = submit.progress("default", "sync-1")
    assert decided and _decisions(document) == _decisions(case)
    with pytest.raises(NotFound):
        submit.progress("default", "nope")
