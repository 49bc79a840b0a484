"""The version of the decision rules, recorded with every decision.

A stored decision names the taxonomy, policy and mapper (model) versions it was made with; the
code that turns those into an answer has a version too. With all four, "same input + same
versions = same answer" holds across deploys, and an old decision can be told apart from one
the current rules would give.

Bump RULES_VERSION (`rules-YYYY.MM.N`) in the same commit as any change to the hard rules,
scoring, decision thresholds' use, justification text or anything else in `core/domain/` that
can change an answer (decisao, score, breakdown, faltantes, justificativas) for the same input
and versions. Refactors that cannot change an answer keep the version. Stored results keep the
version they were made with: an idempotent replay returns the original answer and its version.
"""

from __future__ import annotations

RULES_VERSION = "rules-2026.12.4"
