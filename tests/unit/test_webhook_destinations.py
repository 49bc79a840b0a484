"""Webhook destinations (ADR 0049): which addresses are forbidden, and registration refusing URLs
whose host is, or resolves to, one of them (a fake resolver: never real DNS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.webhooks.httpx_sender import CheckedTransport
from core.domain.errors import InvalidInput
from core.domain.webhook_destinations import is_forbidden, refusal
from core.domain.webhooks import DECISAO_FINAL
from core.usecases.webhook_destinations import AnyDestination, PublicDestinationsOnly
from entrypoints.container import build_container
from entrypoints.settings import WebhookSettings, load_settings
from entrypoints.webhook_runtime import webhook_sender
from tests.fakes.webhooks import PUBLIC_ADDRESS, FakeHostResolver
from tests.support.evaluate_world import DEFAULT_TENANT
from tests.support.settings import test_settings
from tests.support.webhook_world import webhook_world

FORBIDDEN = [
    "127.0.0.1", "127.8.9.10", "::1",                                 # loopback
    "169.254.169.254", "fe80::1", "fe80::1%eth0",                       # link-local (cloud metadata)
    "10.0.0.5", "172.16.0.1", "172.31.255.254", "192.168.1.1", "fc00::1", "fd12:3456::1",  # private
    "0.0.0.0", "::",                                                    # unspecified
    "224.0.0.1", "239.1.2.3", "ff02::1",                                # multicast
    "240.0.0.1", "255.255.255.255",                                     # reserved
    "100.100.100.200",                                                  # shared (not global)
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",     # IPv4-mapped forms
    "2002:7f00:1::",                                                    # 6to4 of 127.0.0.1
    "not-an-address",                                                   # fail closed
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2001:4860:4860::8888"]


@pytest.mark.parametrize("address", FORBIDDEN)
def test_non_public_addresses_are_forbidden(address: str) -> None:
    assert is_forbidden(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_not(address: str) -> None:
    assert not is_forbidden(address)


def test_a_host_is_refused_when_any_address_is_forbidden_or_none_resolves() -> None:
    assert refusal("ok.example", [PUBLIC_ADDRESS, "8.8.8.8"]) is None
    mixed = refusal("rebind.example", [PUBLIC_ADDRESS, "127.0.0.1"])
    assert mixed is not None and "127.0.0.1" in mixed and "não público" in mixed
    assert "não resolve" in (refusal("nowhere.example", []) or "")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hooks", "http://169.254.169.254/latest", "http://[::1]/h", "http://localhost:9/h",
    "http://[::ffff:169.254.169.254]/h", "https://10.0.0.5/h", "https://internal.example/h", "https://both.example/h",
    "https://nowhere.example/h",
])
def test_registration_refuses_non_public_destinations_naming_url(url: str) -> None:
    w = webhook_world()
    w.resolver.table |= {"localhost": ["127.0.0.1", "::1"], "internal.example": ["192.168.0.7"],
                         "both.example": [PUBLIC_ADDRESS, "10.1.1.1"]}
    with pytest.raises(InvalidInput) as refused:
        w.admin.add(DEFAULT_TENANT, url, [DECISAO_FINAL], "k-admin")
    assert refused.value.field == "url" and str(refused.value).startswith("url recusada: o host")
    assert w.admin.endpoints(DEFAULT_TENANT) == []


def test_registration_accepts_public_hosts_and_resolves_only_names() -> None:
    w = webhook_world()
    w.admin.add(DEFAULT_TENANT, "https://receiver.example/hooks", [DECISAO_FINAL], "k-admin")
    w.admin.add(DEFAULT_TENANT, f"http://{PUBLIC_ADDRESS}:8080/hooks", [DECISAO_FINAL], "k-admin")
    assert len(w.admin.endpoints(DEFAULT_TENANT)) == 2 and w.resolver.asked == ["receiver.example"]


def test_allowing_private_destinations_checks_nothing() -> None:
    resolver = FakeHostResolver()
    PublicDestinationsOnly(resolver)  # the default would ask it; AnyDestination never does
    for url in ("http://127.0.0.1:9/h", "http://169.254.169.254/latest", "https://unresolvable.example/h"):
        AnyDestination().check(url)
    assert resolver.asked == []


def test_the_setting_is_off_by_default_and_read_from_the_environment(tmp_path: Path) -> None:
    env = {"EQV_VAR_DIR": str(tmp_path)}
    assert load_settings(env).webhooks.allow_private is False
    assert load_settings(env | {"EQV_WEBHOOK_ALLOW_PRIVATE": "true"}).webhooks.allow_private is True


def test_the_container_checks_destinations_unless_private_ones_are_allowed(tmp_path: Path) -> None:
    default = build_container(test_settings(var_dir=tmp_path))
    fake = FakeHostResolver({"hooks.example": ["127.0.0.1"]})
    default.adapters.host_resolver.override(fake)  # the port, swapped through the container
    assert isinstance(default.adapters.webhook_destinations(), PublicDestinationsOnly)
    with pytest.raises(InvalidInput, match="127.0.0.1"):
        default.use_cases.webhook_admin().add(DEFAULT_TENANT, "https://hooks.example/h", [DECISAO_FINAL], "k-admin")
    assert fake.asked == ["hooks.example"]
    allowing = build_container(test_settings(var_dir=tmp_path, webhooks={"allow_private": True}))
    assert isinstance(allowing.adapters.webhook_destinations(), AnyDestination)


def test_the_default_sender_connects_through_the_checked_transport() -> None:
    checked = webhook_sender(WebhookSettings(), FakeHostResolver())
    plain = webhook_sender(WebhookSettings(allow_private=True), FakeHostResolver())
    assert isinstance(checked._client._transport, CheckedTransport)  # what connects is checked (ADR 0049)
    assert not isinstance(plain._client._transport, CheckedTransport)
