"""Properties are judged on what they find, not on the machine's speed (tests/conftest.py)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings


def test_properties_have_no_time_budget_on_a_busy_machine() -> None:
    current = settings()  # the loaded profile's values
    assert current.deadline is None
    assert HealthCheck.too_slow in current.suppress_health_check
