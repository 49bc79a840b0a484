"""Console sign-in sessions: an API key exchanged for a server-side session with a CSRF token.

The browser holds only an opaque session id (HttpOnly, SameSite=Strict cookie); the key is
checked once, at sign-in, and never stored. A session ends on sign-out or after `idle` without a
request (the Clock port, so tests move time). Sessions live behind `SessionStore`: the embedded
runtime keeps them in this process (`InMemorySessionStore`: lost on restart, not shared between
processes); a shared store (Redis, with a TTL) can implement the same three methods.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
from dataclasses import dataclass, replace
from typing import Protocol

from core.domain.records import Principal
from core.ports.clock import Clock

DEFAULT_IDLE = dt.timedelta(minutes=30)


def new_token() -> str:
    """An unguessable value (256 bits) for session ids and CSRF tokens."""
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing token on either side never matches."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


@dataclass(frozen=True)
class ConsoleSession:
    session_id: str
    principal: Principal
    csrf_token: str
    last_seen: dt.datetime
    flash: tuple[tuple[str, str], ...] = ()  # shown by the next page that takes it, then gone (a new key's secret)


class SessionStore(Protocol):
    """Where console sessions live (the port a Redis-backed store would implement)."""

    def get(self, session_id: str) -> ConsoleSession | None: ...

    def put(self, session: ConsoleSession) -> None: ...

    def delete(self, session_id: str) -> None: ...

    def prune(self, idle_since: dt.datetime) -> None:
        """Drop the sessions last used at or before `idle_since` (a TTL store may do nothing)."""


class InMemorySessionStore:
    """Sessions in a dict guarded by a lock: one process (the embedded runtime), gone on restart."""

    def __init__(self) -> None:
        self._sessions: dict[str, ConsoleSession] = {}
        self._lock = threading.Lock()

    def get(self, session_id: str) -> ConsoleSession | None:
        with self._lock:
            return self._sessions.get(session_id)

    def put(self, session: ConsoleSession) -> None:
        with self._lock:
            self._sessions[session.session_id] = session

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def prune(self, idle_since: dt.datetime) -> None:
        with self._lock:
            for session_id in [k for k, s in self._sessions.items() if s.last_seen <= idle_since]:
                del self._sessions[session_id]

    def __len__(self) -> int:
        return len(self._sessions)


@dataclass(frozen=True)
class Lookup:
    """The session a cookie names, or why there is none (`expired`: it existed but went idle)."""

    session: ConsoleSession | None
    expired: bool = False


class ConsoleSessions:
    def __init__(self, store: SessionStore, clock: Clock, idle: dt.timedelta = DEFAULT_IDLE) -> None:
        if idle <= dt.timedelta(0):
            raise ValueError("the console's idle expiry must be positive")
        self.store, self.clock, self.idle = store, clock, idle

    def sign_in(self, principal: Principal) -> ConsoleSession:
        now = self.clock.now()
        self.store.prune(now - self.idle)  # sessions nobody signed out of do not pile up
        session = ConsoleSession(new_token(), principal, new_token(), now)
        self.store.put(session)
        return session

    def lookup(self, session_id: str | None) -> Lookup:
        """The live session (its idle timer restarted), or none; an idle one is deleted."""
        if not session_id:
            return Lookup(None)
        session = self.store.get(session_id)
        if session is None:
            return Lookup(None)
        now = self.clock.now()
        if now - session.last_seen >= self.idle:
            self.store.delete(session_id)
            return Lookup(None, expired=True)
        touched = replace(session, last_seen=now)
        self.store.put(touched)
        return Lookup(touched)

    def put_flash(self, session: ConsoleSession, flash: dict[str, str]) -> None:
        """Keep `flash` for the next `take_flash` of this session (POST-redirect-GET: a reload does not re-post)."""
        self.store.put(replace(session, flash=tuple(flash.items())))

    def take_flash(self, session: ConsoleSession) -> dict[str, str] | None:
        """The session's flash, removed as it is read: a second page never shows it."""
        current = self.store.get(session.session_id)
        if current is None or not current.flash:
            return None
        self.store.put(replace(current, flash=()))
        return dict(current.flash)

    def sign_out(self, session_id: str | None) -> None:
        if session_id:
            self.store.delete(session_id)
