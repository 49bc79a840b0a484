"""Candidate generation: which origem courses, alone or combined, could waive each destino unit.

A 40-course transcript against a 60-unit curriculum with combinations of up to 3 has ~2.2 million
possible (destino, combination) pairs; scoring each through the evaluate pipeline is out of the
question. Generation is pruned hard, in this order:

1. excluded destino types get no candidate; origem courses not approved or out of validity take
   part in none (the answer reports why they were not used);
2. a member must cover something of the destino on its own (`pairwise > 0`);
3. only the `max_members` best members of a destino (by pairwise score, then code) are combined;
4. a combination's summed clock hours must meet the policy's threshold;
5. at most `max_combinations` combinations per destino are kept, best first by summed pairwise
   score, then fewer members, then codes. Single courses meeting the threshold are always kept.

With the defaults (8 members, 12 combinations) each destino gets at most ~50 proposals and the
whole 40×60 case a few hundred to score, whatever the transcript's size.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.domain.cases.model import Candidate, CasePolicy, DestinoUnit, OrigemCourse
from core.domain.model import Decision

MAX_MEMBERS = 8
MAX_COMBINATIONS = 12

PairwiseScore = Callable[[OrigemCourse, DestinoUnit], float]
"""How much of the destino one origem course covers on its own, 0 meaning nothing."""


@dataclass(frozen=True, slots=True)
class Proposal:
    """An unscored candidate: the origem codes, their summed clock hours and pairwise scores."""

    destino: str
    origens: tuple[str, ...]
    clock_hours: float
    partials: tuple[float, ...]


def eligible_origens(origens: Iterable[OrigemCourse], policy: CasePolicy, reference_year: int) -> list[OrigemCourse]:
    """Approved and within validity: the only courses worth scoring."""
    return [o for o in origens if o.approved and policy.within_validity(o, reference_year)]


def propose(
    destinos: Iterable[DestinoUnit],
    origens: Iterable[OrigemCourse],
    pairwise: PairwiseScore,
    policy: CasePolicy,
    reference_year: int,
    max_members: int = MAX_MEMBERS,
    max_combinations: int = MAX_COMBINATIONS,
) -> tuple[Proposal, ...]:
    """Every pruned proposal, in a deterministic order (destino as given, singles first)."""
    usable = eligible_origens(origens, policy, reference_year)
    found: list[Proposal] = []
    for destino in destinos:
        if destino.unit_type in policy.excluded_types:
            continue
        scored = [(pairwise(o, destino), o) for o in usable]
        members = sorted(((s, o) for s, o in scored if s > 0), key=lambda so: (-so[0], so[1].code))
        found.extend(_for_destino(destino, members, policy, max_members, max_combinations))
    return tuple(found)


def _for_destino(
    destino: DestinoUnit,
    members: list[tuple[float, OrigemCourse]],
    policy: CasePolicy,
    max_members: int,
    max_combinations: int,
) -> list[Proposal]:
    minimum = policy.minimum_hours(destino)
    clock = {o.code: o.clock_hours for _, o in members}  # converted once, not once per combination
    singles = [
        Proposal(destino.code, (o.code,), clock[o.code], (s,))
        for s, o in members
        if clock[o.code] >= minimum
    ]
    combos: list[Proposal] = []
    best = members[:max_members]
    for size in range(2, policy.max_combination + 1):
        for group in itertools.combinations(best, size):
            hours = sum(clock[o.code] for _, o in group)
            if hours >= minimum:
                ordered = sorted(group, key=lambda so: so[1].code)
                combos.append(Proposal(
                    destino.code,
                    tuple(o.code for _, o in ordered),
                    hours,
                    tuple(s for s, _ in ordered),
                ))
    combos.sort(key=lambda p: (-sum(p.partials), len(p.origens), p.origens))
    return singles + combos[:max_combinations]


def score_all(
    proposals: Iterable[Proposal], scorer: Callable[[Proposal], tuple[float, Decision]]
) -> tuple[Candidate, ...]:
    """Run the caller's scorer (the evaluate pipeline on the combined ementas) on each proposal."""
    candidates = []
    for p in proposals:
        score, decision = scorer(p)
        candidates.append(Candidate(p.destino, p.origens, score, decision, p.clock_hours))
    return tuple(candidates)
