"""Admin routes (role admin): the batch queue and dead letters (API keys: routes_keys.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

import msgspec
from litestar import Controller
from adapters.http.threaded import get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import JSONBody
from msgspec import Meta

from adapters.http.auth import ADMIN_ONLY
from adapters.http.dto import TOKEN
from adapters.http.error_table import AUTH, BODY, responses
from core.domain.errors import NotFound, QueueUnavailable
from core.domain.records import Principal
from core.usecases.queue_ops import QueueOperations

QUEUE_ERRORS = responses(AUTH, QueueUnavailable)  # Redis down or hung: 503 with Retry-After (error_table.py)


class QueueStatsOut(msgspec.Struct):
    queue: str
    queued: int
    in_flight: int
    delayed: int
    dead: int


class QueueInfoOut(msgspec.Struct):
    queues: list[QueueStatsOut]
    backlog: dict[str, int]


class DeadLetterOut(msgspec.Struct):
    letter_id: str
    queue: str
    job_id: str
    index: int
    retries: int
    error: str
    failed_at: dt.datetime | None


class RequeueIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    item: Annotated[str, Meta(min_length=1, max_length=200, pattern=TOKEN)] | None = None
    all: bool = False


class RequeueOut(msgspec.Struct):
    requeued: int
    discarded: int = 0  # letters dropped without a requeue: their item had ended done


class QueueAdminController(Controller):
    """The batch queue of the admin's tenant: `equivalence queue info` and `dlq list|requeue`."""

    path = "/admin"
    tags = ["admin"]
    opt = {"roles": ADMIN_ONLY}

    @get("/queue", operation_id="queueInfo", responses=QUEUE_ERRORS)
    def queue_info(
        self, principal: NamedDependency[Principal], queue_operations: NamedDependency[QueueOperations]
    ) -> QueueInfoOut:
        """Messages per queue (queued, in flight, delayed, dead-lettered) and the tenant's job backlog."""
        info = queue_operations.info(principal.tenant_id)
        return QueueInfoOut([QueueStatsOut(**asdict(s)) for s in info.queues], info.backlog)

    @get("/dlq", operation_id="listDeadLetters", responses=QUEUE_ERRORS)
    def dead_letters(
        self, principal: NamedDependency[Principal], queue_operations: NamedDependency[QueueOperations]
    ) -> list[DeadLetterOut]:
        """Batch items whose message failed its last retry, with the last error (never an item that ended done)."""
        return [DeadLetterOut(**asdict(letter)) for letter in queue_operations.dead_letters(principal.tenant_id)]

    @post(
        "/dlq/requeue",
        operation_id="requeueDeadLetters",
        status_code=200,
        responses=responses(AUTH, BODY, NotFound, QueueUnavailable),
    )
    def requeue(
        self,
        data: JSONBody[RequeueIn],
        principal: NamedDependency[Principal],
        queue_operations: NamedDependency[QueueOperations],
    ) -> RequeueOut:
        """Requeue one dead-lettered item, or all of them (every page), once the cause is fixed; an
        `item` with nothing to requeue is 404."""
        if (data.item is None) == (not data.all):
            raise ValidationException(
                detail="Validation failed",
                extra=[{"key": "item", "message": "give either `item` or `all: true`", "source": "body"}],
            )
        result = queue_operations.requeue(principal.tenant_id, None if data.all else data.item)
        return RequeueOut(result.requeued, result.discarded)
