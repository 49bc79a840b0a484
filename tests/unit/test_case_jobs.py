"""Large cases as jobs (ADR 0027): submitted, decided by a batch worker exactly once, even when the
worker dies in the middle of the case."""

from __future__ import annotations

from typing import Any

import pytest

from core.domain.records import JobStatus
from core.usecases.batch import BatchJobs, ProcessItem
from core.usecases.case_jobs import RunCaseItem, SubmitCase, case_from_payload, case_or_progress, case_to_payload
from core.usecases.cases import EvaluateCase
from core.usecases.evaluate import EvaluatePair
from tests.fakes import FakeJobQueue, SequentialIds
from tests.support.case_world import CaseWorld, case_world


class DiesAfter(EvaluatePair):
    """EvaluatePair whose process dies (an exception nobody handles) after storing `after` pairs, once."""

    after = 2

    def store_decided(self, *args: Any, **kwargs: Any) -> Any:
        if DiesAfter.after == 0:
            DiesAfter.after = -1
            raise SystemExit("worker killed mid-case")
        DiesAfter.after -= 1
        return super().store_decided(*args, **kwargs)


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
    decided, progress = case_or_progress(world.uows, "default", job.job_id)
    assert not decided and progress["status"] == "queued"

    assert process(job.job_id, 0) is JobStatus.DONE
    decided, document = case_or_progress(world.uows, "default", job.job_id)
    assert decided and document["case_id"] == job.job_id and document["student_sha256"] == "s" * 64
    assert BatchJobs(world.uows).progress("default", job.job_id).status is JobStatus.DONE
    assert _decisions(document) == _decisions(case_world().evaluate_case(world.command()))
    assert process(job.job_id, 0) is None  # a repeated message: nothing to do
    assert len(world.events("case")) == 1


def test_a_worker_killed_mid_case_completes_it_once_on_the_next_delivery() -> None:
    world = case_world()
    DiesAfter.after = 2
    pairs = DiesAfter(world.uows, world.evaluate_case._pairs._primary, None, world.clock, topic_matcher=world.evaluate_case._topics)  # noqa: SLF001
    submit, process, _ = _jobs(world, pairs)
    job = submit(world.command())
    with pytest.raises(SystemExit):
        process(job.job_id, 0)
    assert len(world.events("evaluation")) == 2 and world.events("case") == []
    decided, progress = case_or_progress(world.uows, "default", job.job_id)
    assert not decided and progress["status"] == "running" and progress["tentativas"] == 1

    assert process(job.job_id, 0) is JobStatus.DONE  # the message again (a retry or the reconciler)
    decided, document = case_or_progress(world.uows, "default", job.job_id)
    assert decided and len(world.events("case")) == 1
    stored = [d["request_id"] for d in document["destinos"] if d["request_id"]]
    evaluations = [e.payload["request_id"] for e in world.events("evaluation")]
    assert sorted(evaluations) == sorted(stored)  # each pair decided and audited once: the first two replayed
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
    decided, progress = case_or_progress(world.uows, "default", job.job_id)
    assert not decided and progress["status"] == "failed" and "invalid stored payload" in progress["erro"]
