"""Shared test helpers: services are real; with CI=true a missing one fails instead of skipping."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def service_missing(reason: str) -> None:
    """Skip on a developer machine without the service; fail in CI, where skipping would hide it."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required services must be running)")
    pytest.skip(reason)
