"""API keys: high-entropy tokens with a readable prefix, stored only as a keyed hash.

A slow KDF adds nothing for 256-bit random tokens; the pepper keeps a stolen table useless.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_TYPE = "eqv_live_"
PREFIX_LENGTH = len(KEY_TYPE) + 8


def generate_key() -> str:
    return KEY_TYPE + secrets.token_urlsafe(32)


def key_prefix(plaintext: str) -> str:
    """The visible part kept in clear, enough for an operator to tell keys apart."""
    return plaintext[:PREFIX_LENGTH]


def hash_key(plaintext: str, pepper: bytes) -> str:
    return hmac.new(pepper, plaintext.encode("utf-8"), hashlib.sha256).hexdigest()


def matches(plaintext: str, stored_hash: str, pepper: bytes) -> bool:
    return hmac.compare_digest(hash_key(plaintext, pepper), stored_hash)
