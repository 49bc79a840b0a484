"""Settings of batch processing, from the environment (read when a process starts).

EQV_QUEUE_NAMESPACE      Redis key prefix of the Dramatiq broker (default "eqv")
EQV_BATCH_MAX_ITEMS      largest accepted batch (default 10000)
EQV_JOB_MAX_RETRIES      retries of a transient failure before dead-lettering (default 5)
EQV_JOB_MIN_BACKOFF_MS   first retry delay; doubles each retry (default 1000)
EQV_JOB_MAX_BACKOFF_MS   longest retry delay (default 60000)
EQV_JOB_TIME_LIMIT_S     longest processing of one item (default 60)
EQV_JOB_STALE_AFTER_S    an item queued or running this long untouched is re-enqueued (default 300)
EQV_RECONCILE_INTERVAL_S how often each worker runs the reconciler (default 30)
EQV_WORKER_THREADS       threads of the in-process worker of the embedded runtime (default 4)
EQV_QUEUE_REDIS_TIMEOUT_S connect and read timeout of the broker's Redis connections (default 5):
                         a hung Redis makes /admin/queue|dlq answer 503 after this long
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from adapters.queue.dramatiq_queue import RetryPolicy
from entrypoints.settings import Settings, env_number


@dataclass(frozen=True, slots=True)
class BatchSettings:
    namespace: str = "eqv"
    max_items: int = 10_000
    retry: RetryPolicy = RetryPolicy()
    stale_after_s: float = 300.0
    reconcile_interval_s: float = 30.0
    worker_threads: int = 4
    redis_timeout_s: float = 5.0

    @property
    def stale_after(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.stale_after_s)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> BatchSettings:
        env = dict(os.environ if environ is None else environ)
        return cls(
            namespace=env.get("EQV_QUEUE_NAMESPACE") or "eqv",
            max_items=env_number(env, "EQV_BATCH_MAX_ITEMS", 10_000, int),
            retry=RetryPolicy(
                max_retries=env_number(env, "EQV_JOB_MAX_RETRIES", 5, int, allow_zero=True),
                min_backoff_ms=env_number(env, "EQV_JOB_MIN_BACKOFF_MS", 1_000, int),
                max_backoff_ms=env_number(env, "EQV_JOB_MAX_BACKOFF_MS", 60_000, int),
                time_limit_ms=int(env_number(env, "EQV_JOB_TIME_LIMIT_S", 60.0, float) * 1000),
            ),
            stale_after_s=env_number(env, "EQV_JOB_STALE_AFTER_S", 300.0, float),
            reconcile_interval_s=env_number(env, "EQV_RECONCILE_INTERVAL_S", 30.0, float),
            worker_threads=env_number(env, "EQV_WORKER_THREADS", 4, int),
            redis_timeout_s=env_number(env, "EQV_QUEUE_REDIS_TIMEOUT_S", 5.0, float),
        )


def broker_url(settings: Settings) -> str | None:
    """Redis in the full runtime when REDIS_URL is set; otherwise the in-process broker."""
    return None if settings.embedded else settings.redis_url
