"""The precedent counter of /metrics (ADR 0024), created once per process on first use."""

from __future__ import annotations

import functools

from prometheus_client import Counter


@functools.cache
def precedent_hits() -> Counter:
    return Counter(
        "eqv_precedent_hits",
        "New evaluations that used the precedent table: binding_applied (a precedent decided) or advisory_shown (evidence for a reviewer)",
        ["tenant", "outcome"],
    )
