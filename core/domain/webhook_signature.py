"""Webhook signatures: HMAC-SHA256 over `timestamp + "." + body` with the endpoint's secret.

The header reads `Equivalence-Signature: t=<unix seconds>,v1=<hex>` (Stripe's shape). A
receiver recomputes the HMAC over the raw body it got, compares in constant time, and refuses
a timestamp more than `tolerance_s` away from its clock (a replayed old request). Pure: the
same functions sign in the service and verify in a receiver (docs/adr/0025-webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Equivalence-Signature"
TOLERANCE_S = 300  # five minutes


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the Equivalence-Signature header for this body at this time."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def parse_header(header: str) -> tuple[int, list[str]] | None:
    """(timestamp, every v1 signature) of a header, or None when it is malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if not value.isascii() or not value.isdigit():
                return None
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def verify(header: str, body: bytes, secret: str, now: int, tolerance_s: int = TOLERANCE_S) -> bool:
    """True when `header` signs exactly `body` with `secret` within `tolerance_s` of `now`
    (unix seconds). Any malformed header, other body, other secret or old timestamp: False."""
    parsed = parse_header(header)
    if parsed is None:
        return False
    timestamp, candidates = parsed
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body)
    # Every candidate is compared (no early exit), each in constant time.
    matches = [hmac.compare_digest(expected.encode("ascii"), c.encode("utf-8", "replace")) for c in candidates]
    return any(matches)
