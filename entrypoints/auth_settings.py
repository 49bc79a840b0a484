"""Settings of authentication, from the environment (read when a process starts).

EQV_AUTH_BURST_THRESHOLD  refused keys of one subject within the window that make a login
                          failure burst, audited once per window (default 10). A subject is
                          one stored key (revoked, of a disabled tenant, or whose prefix an
                          unknown key carries), or all other unknown keys together.
EQV_AUTH_BURST_WINDOW_S   the window, in seconds (default 60)
EQV_AUTH_CACHE_SECONDS    how long a valid key (with its tenant) is kept in process on
                          PostgreSQL; changes empty the cache at once via LISTEN/NOTIFY, this is
                          the bound if that channel dies unnoticed (default 5; 0 disables, ADR 0028)

Counting is per API process: with N processes a burst is seen once at least one process
counts THRESHOLD failures, and each process reports at most one event per subject and window.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from core.domain.auth_failures import FailureBursts
from entrypoints.settings import env_number


@dataclass(frozen=True, slots=True)
class AuthSettings:
    burst_threshold: int = 10
    burst_window_s: float = 60.0
    key_cache_s: float = 5.0

    def failure_bursts(self) -> FailureBursts:
        return FailureBursts(self.burst_threshold, dt.timedelta(seconds=self.burst_window_s))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> AuthSettings:
        env = dict(os.environ if environ is None else environ)
        return cls(
            burst_threshold=env_number(env, "EQV_AUTH_BURST_THRESHOLD", 10, int),
            burst_window_s=env_number(env, "EQV_AUTH_BURST_WINDOW_S", 60.0, float),
            key_cache_s=env_number(env, "EQV_AUTH_CACHE_SECONDS", 5.0, float),
        )
