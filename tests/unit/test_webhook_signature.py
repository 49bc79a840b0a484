"""Properties of webhook signatures (core/domain/webhook_signature.py): pure, hypothesis-driven."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.webhook_signature import TOLERANCE_S, parse_header, signature_header, verify

bodies = st.binary(max_size=2_000)
secrets_ = st.text(min_size=1, max_size=80)
timestamps = st.integers(min_value=0, max_value=4_000_000_000)


@settings(max_examples=300, deadline=None)
@given(bodies, secrets_, timestamps, st.integers(min_value=-TOLERANCE_S, max_value=TOLERANCE_S))
def test_any_body_secret_and_timestamp_round_trip(body: bytes, secret: str, t: int, skew: int) -> None:
    header = signature_header(secret, t, body)
    assert parse_header(header) is not None
    assert verify(header, body, secret, now=t + skew)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=1, max_size=2_000), secrets_, timestamps, st.data())
def test_any_flipped_byte_of_the_body_fails(body: bytes, secret: str, t: int, data: st.DataObject) -> None:
    header = signature_header(secret, t, body)
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    tampered = bytearray(body)
    tampered[index] ^= 1 << bit
    assert not verify(header, bytes(tampered), secret, now=t)


@settings(max_examples=200, deadline=None)
@given(bodies, secrets_, timestamps, st.data())
def test_any_changed_character_of_the_signature_fails(body: bytes, secret: str, t: int, data: st.DataObject) -> None:
    header = signature_header(secret, t, body)
    digest_at = header.index("v1=") + 3
    index = data.draw(st.integers(min_value=digest_at, max_value=len(header) - 1))
    other = data.draw(st.sampled_from("0123456789abcdef").filter(lambda c: c != header[index]))
    assert not verify(header[:index] + other + header[index + 1 :], body, secret, now=t)


@settings(max_examples=200, deadline=None)
@given(bodies, secrets_, secrets_, timestamps)
def test_another_secret_fails(body: bytes, secret: str, other: str, t: int) -> None:
    if other != secret:
        assert not verify(signature_header(secret, t, body), body, other, now=t)


@settings(max_examples=200, deadline=None)
@given(bodies, secrets_, timestamps, st.integers(min_value=TOLERANCE_S + 1, max_value=10**8), st.sampled_from([1, -1]))
def test_a_timestamp_outside_the_tolerance_fails(body: bytes, secret: str, t: int, age: int, sign: int) -> None:
    assert not verify(signature_header(secret, t, body), body, secret, now=t + sign * age)


@settings(max_examples=200, deadline=None)
@given(bodies, secrets_, timestamps)
def test_a_changed_timestamp_fails(body: bytes, secret: str, t: int) -> None:
    header = signature_header(secret, t, body)
    moved = header.replace(f"t={t},", f"t={t + 1},", 1)
    assert not verify(moved, body, secret, now=t)


@given(st.text(max_size=200), bodies, secrets_, timestamps)
def test_any_header_never_raises(header: str, body: bytes, secret: str, t: int) -> None:
    verify(header, body, secret, now=t)  # malformed headers answer False, never an exception


def test_rotation_a_header_with_two_signatures_verifies_with_either_secret() -> None:
    body, t = b'{"id":"evt_1"}', 1_800_000_000
    old, new = signature_header("old", t, body), signature_header("new", t, body)
    both = f"{old},{new.split(',')[1]}"
    assert verify(both, body, "old", now=t) and verify(both, body, "new", now=t)
    assert not verify("t=abc,v1=00", body, "old", now=t) and not verify("", body, "old", now=t)


def test_the_readme_recipe_verifies_what_the_service_signs() -> None:
    """The verification recipe in the README is true: it accepts the service's signature and
    refuses a changed body, another secret and an old timestamp."""
    import re
    import time
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    [recipe] = [block for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL) if "def verify" in block]
    namespace: dict[str, object] = {}
    exec(compile(recipe, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    readme_verify = namespace["verify"]
    body, secret, now = b'{"id":"evt_1","type":"decisao.final"}', "whsec_test", int(time.time())
    header = signature_header(secret, now, body)
    assert readme_verify(header, body, secret)  # type: ignore[operator]
    assert not readme_verify(header, body + b" ", secret)  # type: ignore[operator]
    assert not readme_verify(header, body, "whsec_other")  # type: ignore[operator]
    assert not readme_verify(signature_header(secret, now - 3600, body), body, secret)  # type: ignore[operator]
