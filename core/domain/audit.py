"""The audit chain: each event's hash covers its content and the previous event's hash.

Altering, deleting or reordering any event breaks every hash after it, so tampering is
evident even to someone who can bypass the database's append-only protection.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from core.domain.records import AuditEvent

GENESIS_HASH = "0" * 64


def canonical_json(value: object) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept (what every hash here covers)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(event: AuditEvent, seq: int, prev_hash: str) -> str:
    """The chain link of one event: why the chain exists is in the module docstring."""
    body = canonical_json(
        {
            "tenant_id": event.tenant_id,
            "seq": seq,
            "event_type": event.event_type,
            "payload": event.payload,
            "created_at": utc_iso(event.created_at),
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def utc_iso(moment: dt.datetime) -> str:
    """A timestamp as naive UTC with microseconds, so a database round trip keeps its hash."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
