"""What the office reads: per destino unit, per origem course, the summary."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.domain.cases.model import Candidate
from core.domain.model import Decision


class DestinoStatus(str, enum.Enum):
    WAIVED = "WAIVED"
    TO_REVIEW = "TO_REVIEW"
    NOT_WAIVED = "NOT_WAIVED"

    @property
    def decision(self) -> Decision:
        return {
            DestinoStatus.WAIVED: Decision.DEFERIDO,
            DestinoStatus.TO_REVIEW: Decision.ANALISE_HUMANA,
            DestinoStatus.NOT_WAIVED: Decision.INDEFERIDO,
        }[self]


class Reason(str, enum.Enum):
    """Why a destino was not waived, or why an origem course was not used."""

    EXCLUDED_TYPE = "EXCLUDED_TYPE"  # destino: its type is never waived (TCC, Estágio…)
    NO_CANDIDATE = "NO_CANDIDATE"  # destino: no origem course covers its content
    REJECTED = "REJECTED"  # its candidates were all INDEFERIDO
    REVIEW = "REVIEW"  # only ANALISE_HUMANA candidates: a person decides
    ALREADY_USED = "ALREADY_USED"  # destino: an origem course it needs is used for another unit
    EQUIVALENT_WAIVED = "EQUIVALENT_WAIVED"  # destino: an internally equivalent unit is waived
    CAP = "CAP"  # waiving it would exceed the cap on the waived share
    NOT_CHOSEN = "NOT_CHOSEN"  # feasible but left out (only the greedy fallback does this)
    DESTINO_WAIVED = "DESTINO_WAIVED"  # origem: the units it could waive are waived by others
    NOT_APPROVED = "NOT_APPROVED"  # origem: not passed; destino: the courses covering it were not
    OUT_OF_VALIDITY = "OUT_OF_VALIDITY"  # origem: older than the validity window, or year unknown; destino: likewise
    COVERS_NOTHING = "COVERS_NOTHING"  # origem: part of no candidate at all
    INSUFFICIENT_WORKLOAD = "INSUFFICIENT_WORKLOAD"  # candidate hours, or the hours of the courses covering a destino, below the threshold


@dataclass(frozen=True, slots=True)
class DestinoOutcome:
    """`candidate` is the one waived (WAIVED), the one to review (TO_REVIEW) or the best blocked one."""

    destino: str
    status: DestinoStatus
    candidate: Candidate | None
    reason: Reason | None = None
    detail: str = ""
    related: tuple[str, ...] = ()
    """Without a candidate: the origem courses covering its content that the reason names (set
    aside as not approved or out of validity, or too few hours together)."""

    @property
    def origens(self) -> tuple[str, ...]:
        return self.candidate.origens if self.candidate and self.status is DestinoStatus.WAIVED else ()


@dataclass(frozen=True, slots=True)
class OrigemOutcome:
    """`used_for` lists the destino units this course waives; empty means unused, with a reason."""

    origem: str
    used_for: tuple[str, ...]
    reason: Reason | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    waived_hours: float
    total_hours: float
    cap_hours: float | None
    cap_reached: bool
    method: str
    """`highs` (exact) or `greedy` (the fallback): which one chose the answer."""

    @property
    def waived_share(self) -> float:
        return self.waived_hours / self.total_hours if self.total_hours else 0.0


@dataclass(frozen=True, slots=True)
class CaseAnswer:
    destinos: tuple[DestinoOutcome, ...]
    origens: tuple[OrigemOutcome, ...]
    summary: Summary
    beyond_cap: tuple[Candidate, ...]
    """Candidates the uncapped optimum waives and the capped answer does not."""

    @property
    def waived(self) -> tuple[Candidate, ...]:
        return tuple(d.candidate for d in self.destinos if d.status is DestinoStatus.WAIVED and d.candidate)

    @property
    def unused(self) -> tuple[OrigemOutcome, ...]:
        return tuple(o for o in self.origens if not o.used_for)
