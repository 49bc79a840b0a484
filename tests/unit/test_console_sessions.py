"""Console sessions: idle expiry on the Clock port, sign-out, CSRF token comparison."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.http.console.sessions import ConsoleSessions, InMemorySessionStore, same_token
from core.domain.records import Principal, Role
from tests.fakes.system import FixedClock

PRINCIPAL = Principal("default", "key-1", Role.CLIENT)
IDLE = dt.timedelta(minutes=30)


def sessions() -> tuple[ConsoleSessions, FixedClock, InMemorySessionStore]:
    clock, store = FixedClock(), InMemorySessionStore()
    return ConsoleSessions(store, clock, IDLE), clock, store


def test_a_session_lives_while_used_and_ends_after_the_idle_time() -> None:
    console, clock, _ = sessions()
    session = console.sign_in(PRINCIPAL)
    clock.current += IDLE - dt.timedelta(seconds=1)
    assert console.lookup(session.session_id).session is not None  # used: the idle timer restarts
    clock.current += IDLE - dt.timedelta(seconds=1)
    found = console.lookup(session.session_id)
    assert found.session is not None and found.session.principal == PRINCIPAL
    clock.current += IDLE
    expired = console.lookup(session.session_id)
    assert expired.session is None and expired.expired
    again = console.lookup(session.session_id)  # deleted: now simply unknown
    assert again.session is None and not again.expired


def test_sign_out_ends_the_session_and_unknown_ids_are_not_expired() -> None:
    console, _, _ = sessions()
    session = console.sign_in(PRINCIPAL)
    console.sign_out(session.session_id)
    assert console.lookup(session.session_id).session is None
    assert not console.lookup("made-up").expired
    assert console.lookup(None).session is None and console.lookup("").session is None


def test_each_session_has_its_own_unguessable_id_and_csrf_token() -> None:
    console, _, _ = sessions()
    first, second = console.sign_in(PRINCIPAL), console.sign_in(PRINCIPAL)
    assert len({first.session_id, second.session_id, first.csrf_token, second.csrf_token}) == 4
    assert len(first.session_id) >= 40 and len(first.csrf_token) >= 40


def test_signing_in_prunes_sessions_left_idle() -> None:
    console, clock, store = sessions()
    console.sign_in(PRINCIPAL)
    clock.current += IDLE
    console.sign_in(PRINCIPAL)
    assert len(store) == 1


def test_csrf_tokens_must_match_exactly_and_be_present() -> None:
    assert same_token("abc", "abc")
    assert not same_token("abc", "abd")
    assert not same_token("abc", None) and not same_token(None, "abc") and not same_token("", "")


def test_the_idle_time_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ConsoleSessions(InMemorySessionStore(), FixedClock(), dt.timedelta(0))


def test_a_flash_is_taken_once_and_belongs_to_its_session() -> None:
    console, _, _ = sessions()
    mine, other = console.sign_in(PRINCIPAL), console.sign_in(PRINCIPAL)
    console.put_flash(mine, {"segredo": "eqv_live_x"})
    assert console.take_flash(other) is None
    assert console.take_flash(mine) == {"segredo": "eqv_live_x"}
    assert console.take_flash(mine) is None  # shown once
    console.put_flash(mine, {"segredo": "eqv_live_y"})
    console.sign_out(mine.session_id)
    assert console.take_flash(mine) is None  # gone with the session
