"""Idempotency of a batch submission: its `Idempotency-Key` and its items' `request_id`s.

An item is `(request_id, payload_hash)`: the request_id the client gave ("" when it gave none,
the job then names the item) and the fingerprint POST /evaluate gives the same body
(adapters/http/routes_equivalences.py::to_command), so a batch item and a synchronous request
with the same content agree on "same payload".
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from core.domain.audit import canonical_json
from core.domain.errors import IdempotencyConflict

BatchItemPrint = tuple[str, str]  # (request_id or "", payload_hash)


def batch_fingerprint(items: Sequence[BatchItemPrint]) -> str:
    """One hash of the whole body, item by item in order: a retry with the same key must send
    the same items to be answered with the job it created."""
    return hashlib.sha256(canonical_json([list(item) for item in items]).encode()).hexdigest()


def check_same_batch(idempotency_key: str, stored_fingerprint: str | None, fingerprint: str) -> None:
    """A key names one body: reusing it for another body is the client's mistake (409), not a new job."""
    if stored_fingerprint != fingerprint:
        raise IdempotencyConflict(
            f"Idempotency-Key '{idempotency_key}' was already used with a different batch body"
        )


def check_stored_request_ids(items: Sequence[BatchItemPrint], stored: Mapping[str, str]) -> None:
    """Every item is checked before the job is accepted: an item whose request_id is stored with
    another payload could only fail later, so the whole submission is refused naming it.
    `stored`: payload_hash by request_id of the tenant's stored results. The same payload is a replay."""
    for index, (request_id, payload_hash) in enumerate(items):
        if request_id and request_id in stored and stored[request_id] != payload_hash:
            field = f"items[{index}].request_id"
            raise IdempotencyConflict(
                f"{field} '{request_id}' was already used with a different payload", field=field
            )
