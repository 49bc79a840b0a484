"""EvaluateCase over the fakes with the real lexical reading: a realistic curriculum and transcript.

`tests/data/case_realistic.json` is derived from ../shared/data/ementas_dev*.jsonl (committed so
a fresh clone runs without ../shared): seven Unicamp courses plus a TCC as the curriculum, nine
courses of other institutions as the transcript (one failed, one from 2005, one of another area).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from adapters.curricula.document import CurriculumIn, document_to_curriculum
from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.taxonomy_json import load_default_taxonomy
from adapters.mappers.topic_matcher import LexicalTopicMatcher
from adapters.solver.highs_assignment import HighsAssignmentSolver
from core.domain.cases.model import CasePolicy
from core.domain.model import Policy
from core.usecases.bootstrap import DEFAULT_TENANT, Seed
from core.usecases.cases import CaseCommand, EvaluateCase, TranscriptCourse
from core.usecases.evaluate import EvaluatePair
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, SequentialIds

DATA = Path(__file__).resolve().parents[1] / "data" / "case_realistic.json"


def realistic() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return document


def transcript(rows: list[dict[str, Any]] | None = None) -> tuple[TranscriptCourse, ...]:
    rows = rows if rows is not None else realistic()["transcript"]
    return tuple(TranscriptCourse(**row) for row in rows)


@dataclass
class CaseWorld:
    uows: FakeUnitOfWorkFactory
    clock: FixedClock
    evaluate_case: EvaluateCase
    version: str

    def command(self, policy: CasePolicy | None = None, **changes: Any) -> CaseCommand:
        base: dict[str, Any] = {
            "tenant_id": DEFAULT_TENANT,
            "payload_hash": "p-1",
            "transcript": transcript(),
            "policy": policy or CasePolicy(validity_years=15, workload_threshold=0.9),
            "curriculum_version": self.version,
        }
        return CaseCommand(**{**base, **changes})

    def events(self, event_type: str) -> list[Any]:
        with self.uows.reading() as uow:
            return [e for e in uow.audit.list_events(DEFAULT_TENANT) if e.event_type == event_type]


def case_world() -> CaseWorld:
    uows, clock, ids = FakeUnitOfWorkFactory(), FixedClock(), SequentialIds("case-")
    Seed(uows, b"pepper", clock, SequentialIds())(load_default_taxonomy(), Policy(version="default-v1"), None)
    curriculum = document_to_curriculum(msgspec.convert(realistic()["curriculo"], CurriculumIn))
    with uows() as uow:
        uow.curricula.add(DEFAULT_TENANT, curriculum)
        uow.commit()
    pairs = EvaluatePair(uows, LexicalMapper(), None, clock, topic_matcher=LexicalTopicMatcher())
    use_case = EvaluateCase(uows, pairs, LexicalTopicMatcher(), HighsAssignmentSolver(), clock, ids)
    return CaseWorld(uows, clock, use_case, curriculum.version)
