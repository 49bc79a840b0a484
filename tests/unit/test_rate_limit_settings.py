"""EQV_RATE_LIMIT_* parsing: clear errors naming the setting, generous defaults."""

from __future__ import annotations

import pytest

from core.domain.rate_limits import LimitOverride, RateLimit, RouteGroup
from core.domain.records import Role
from entrypoints.settings import DEFAULT_LIMITS, ConfigurationError, RateLimitSettings, load_settings, parse_overrides, parse_rate


def limits_from(env: dict[str, str]) -> RateLimitSettings:
    return load_settings({"API_KEY_PEPPER": "rate-limit-test-pepper-01", **env}).rate_limits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("600/minute", RateLimit(600, 60)),
        ("10/second", RateLimit(10, 1)),
        (" 10 per Second ", RateLimit(10, 1)),
        ("100/10s", RateLimit(100, 10)),
        ("5000/h", RateLimit(5000, 3600)),
        ("1/day", RateLimit(1, 86400)),
        ("unlimited", None),
    ],
)
def test_rates_are_parsed(text: str, expected: RateLimit | None) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "600", "0/minute", "10/0s", "ten/minute", "10/fortnight", "-1/s"])
def test_bad_rates_name_the_setting(text: str) -> None:
    with pytest.raises(ConfigurationError, match="EQV_RATE_LIMIT_EVALUATE"):
        parse_rate(text, "EQV_RATE_LIMIT_EVALUATE")


def test_defaults_are_generous_and_enabled() -> None:
    settings = limits_from({})
    assert settings.enabled and settings.namespace == "eqv:rl"
    assert settings.policy.defaults == DEFAULT_LIMITS
    # the evaluate bench pushes ~300 req/s from one key for 20 s: far below the sustained rate
    evaluate = DEFAULT_LIMITS[RouteGroup.EVALUATE]
    assert evaluate is not None and evaluate.count / evaluate.period_s > 1000


def test_environment_sets_limits_overrides_and_switch() -> None:
    settings = limits_from(
        {
            "EQV_RATE_LIMITS_ENABLED": "false",
            "EQV_RATE_LIMIT_EVALUATE": "3/minute",
            "EQV_RATE_LIMIT_READ": "unlimited",
            "EQV_RATE_LIMIT_OVERRIDES": "acme:evaluate=1000/minute; *:auditor:read=60/minute, big:client:batch=unlimited",
            "EQV_RATE_LIMIT_NAMESPACE": "test:rl",
        }
    )
    assert not settings.enabled and settings.namespace == "test:rl"
    assert settings.policy.defaults[RouteGroup.EVALUATE] == RateLimit(3, 60)
    assert settings.policy.defaults[RouteGroup.READ] is None
    assert settings.policy.defaults[RouteGroup.ADMIN] == DEFAULT_LIMITS[RouteGroup.ADMIN]
    assert settings.policy.overrides == (
        LimitOverride(RouteGroup.EVALUATE, RateLimit(1000, 60), tenant_id="acme"),
        LimitOverride(RouteGroup.READ, RateLimit(60, 60), role=Role.AUDITOR),
        LimitOverride(RouteGroup.BATCH, None, tenant_id="big", role=Role.CLIENT),
    )


def test_a_tenant_id_with_colons_is_kept_whole() -> None:
    assert parse_overrides("uni:campus:client:read=5/s") == (
        LimitOverride(RouteGroup.READ, RateLimit(5, 1), tenant_id="uni:campus", role=Role.CLIENT),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("acme=5/minute", "TENANT:GROUP=RATE"),
        ("acme:evaluate", "TENANT:GROUP=RATE"),
        (":evaluate=5/minute", "TENANT:GROUP=RATE"),
        ("acme:upload=5/minute", "unknown group 'upload'"),
        ("acme:root:read=5/minute", "unknown role 'root'"),
        ("acme:read=lots", "acme:read=lots"),
    ],
)
def test_bad_overrides_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_overrides(text)


def test_an_empty_override_list_is_fine() -> None:
    assert parse_overrides("") == () and parse_overrides(" ; ") == ()
