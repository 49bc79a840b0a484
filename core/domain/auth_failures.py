"""Login failure bursts: many failed authentications of one key (or of unknown keys) in a window.

One failure is noise (a typo, a script with an old key); a burst is what an auditor must see,
so the service appends one `auth.failure_burst` event per subject and window, never one per
failure (an attacker must not be able to flood the audit trail). Counting is in memory, per
API process: cheap, and bounded by the number of stored keys, since every unresolvable key
counts against one shared subject. The presented key is never kept, not even its prefix
when no stored key has that prefix.
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
from dataclasses import dataclass, field
from typing import Any

UNRESOLVED_TENANT = "_unresolved"
"""The audit chain of failures no tenant can be found for (reserved: tenant ids never start with "_")."""

_MAX_SUBJECTS = 10_000


class FailureReason(str, enum.Enum):
    UNKNOWN_KEY = "unknown_key"
    REVOKED_KEY = "revoked_key"
    TENANT_DISABLED = "tenant_disabled"


@dataclass(frozen=True, slots=True)
class AuthFailure:
    """One refused key, attributed to the stored key it names (by hash or prefix) when there is one."""

    reason: FailureReason
    tenant_id: str = UNRESOLVED_TENANT
    key_id: str | None = None
    prefix: str | None = None

    @property
    def subject(self) -> tuple[str, str | None]:
        return self.tenant_id, self.key_id


@dataclass(frozen=True, slots=True)
class Burst:
    """A subject reached the threshold in the window that started at `window_started_at`."""

    failure: AuthFailure
    failures: int
    reasons: dict[str, int]
    window_started_at: dt.datetime
    threshold: int
    window: dt.timedelta

    def audit_payload(self) -> dict[str, Any]:
        """What the audit event says: counts and the stored key's id/prefix, never a presented key."""
        payload: dict[str, Any] = {
            "actor": {"unauthenticated": True},
            "failures": self.failures,
            "reasons": dict(sorted(self.reasons.items())),
            "threshold": self.threshold,
            "window_s": self.window.total_seconds(),
            "window_started_at": self.window_started_at.isoformat(),
        }
        if self.failure.key_id is not None:
            payload |= {"key_id": self.failure.key_id, "prefix": self.failure.prefix}
        return payload


@dataclass(slots=True)
class _Window:
    started_at: dt.datetime
    failures: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    reported: bool = False


class FailureBursts:
    """Fixed windows per subject: the failure that reaches `threshold` returns a Burst, once per window.

    Thread-safe; one instance per process.
    """

    def __init__(self, threshold: int = 10, window: dt.timedelta = dt.timedelta(seconds=60)) -> None:
        if threshold < 1 or window <= dt.timedelta(0):
            raise ValueError("a burst needs a threshold of at least 1 and a positive window")
        self.threshold = threshold
        self.window = window
        self._windows: dict[tuple[str, str | None], _Window] = {}
        self._lock = threading.Lock()

    def record(self, failure: AuthFailure, now: dt.datetime) -> Burst | None:
        with self._lock:
            current = self._windows.get(failure.subject)
            if current is None or now - current.started_at >= self.window:
                if len(self._windows) >= _MAX_SUBJECTS:
                    self._forget_expired(now)
                current = self._windows[failure.subject] = _Window(started_at=now)
            current.failures += 1
            current.reasons[failure.reason.value] = current.reasons.get(failure.reason.value, 0) + 1
            if current.reported or current.failures < self.threshold:
                return None
            current.reported = True
            return Burst(failure, current.failures, dict(current.reasons), current.started_at, self.threshold, self.window)

    def rearm(self, burst: Burst) -> None:
        """The burst could not be recorded: let the next failure of its window report it again."""
        with self._lock:
            current = self._windows.get(burst.failure.subject)
            if current is not None and current.started_at == burst.window_started_at:
                current.reported = False

    def _forget_expired(self, now: dt.datetime) -> None:
        for subject in [s for s, w in self._windows.items() if now - w.started_at >= self.window]:
            del self._windows[subject]
