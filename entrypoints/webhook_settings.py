"""Settings of webhook delivery, from the environment (read when a process starts; ADR 0025).

EQV_WEBHOOK_MAX_ATTEMPTS   attempts per round before a delivery is dead-lettered (default 8)
EQV_WEBHOOK_BACKOFF_S      delay after the first failed attempt; doubles each time (default 10)
EQV_WEBHOOK_BACKOFF_MAX_S  longest delay between attempts (default 3600)
EQV_WEBHOOK_TIMEOUT_S      connect/read timeout of one POST (default 10)
EQV_WEBHOOK_LEASE_S        a delivery handed to the queue and not attempted for this long is
                           handed out again by the sweep (default 300; keep it above the timeout)
The sweep runs with the batch reconciler, every EQV_RECONCILE_INTERVAL_S, in every worker.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from core.usecases.webhooks import DeliveryPolicy
from entrypoints.settings import env_number


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    policy: DeliveryPolicy = DeliveryPolicy()
    timeout_s: float = 10.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> WebhookSettings:
        env = dict(os.environ if environ is None else environ)
        return cls(
            policy=DeliveryPolicy(
                max_attempts=env_number(env, "EQV_WEBHOOK_MAX_ATTEMPTS", 8, int, maximum=50),
                backoff=dt.timedelta(seconds=env_number(env, "EQV_WEBHOOK_BACKOFF_S", 10.0, float)),
                backoff_cap=dt.timedelta(seconds=env_number(env, "EQV_WEBHOOK_BACKOFF_MAX_S", 3600.0, float)),
                lease=dt.timedelta(seconds=env_number(env, "EQV_WEBHOOK_LEASE_S", 300.0, float)),
            ),
            timeout_s=env_number(env, "EQV_WEBHOOK_TIMEOUT_S", 10.0, float, maximum=120),
        )
