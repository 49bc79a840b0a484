"""The WebhookSender port on httpx: one POST with connect/read timeouts, redirects not followed.

`checked(...)` (the default, ADR 0049) resolves the host itself at every new connection, refuses
it when the destination rule does (any resolved address forbidden: DNS rebinding, records changed
after registration), and connects to the checked address, so there is no second resolution; TLS
still verifies the certificate against the URL's host name. Proxies from the environment
(HTTP_PROXY…) are not used then: the check is about the address connected to.
`unchecked(...)` (EQV_WEBHOOK_ALLOW_PRIVATE=true) is plain httpx, as before.
"""

from __future__ import annotations

import time
import typing
from collections.abc import Callable, Sequence

import httpcore
import httpx

from core.domain.webhook_destinations import RefusedDestination, literal_address
from core.ports.host_resolver import HostResolver
from core.ports.webhook_delivery import SendResult

USER_AGENT = "equivalence-webhooks/1"
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)  # httpx's defaults
Rule = Callable[[str, Sequence[str]], "str | None"]  # (host, addresses) -> why refused, or None


class HttpxWebhookSender:
    def __init__(self, timeout_s: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False, transport=transport)

    @classmethod
    def checked(cls, timeout_s: float, resolver: HostResolver, rule: Rule) -> HttpxWebhookSender:
        """Connects only to addresses of `resolver`'s answer that `rule` accepts."""
        return cls(timeout_s, CheckedTransport(resolver, rule))

    @classmethod
    def unchecked(cls, timeout_s: float) -> HttpxWebhookSender:
        return cls(timeout_s)

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        started = time.monotonic()
        try:
            response = self._client.post(url, content=body, headers={"User-Agent": USER_AGENT, **headers})
        except RefusedDestination as exc:
            return SendResult(None, f"destino recusado: {exc}", _ms(started))
        except httpx.HTTPError as exc:
            detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
            error = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
            return SendResult(None, error, _ms(started))
        return SendResult(response.status_code, None, _ms(started))

    def close(self) -> None:
        self._client.close()


class CheckedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool on a CheckedBackend. httpx has no public way to
    give HTTPTransport a network backend, so the pool it builds is replaced (httpx 0.28; the
    integration test `test_a_checked_sender_connects_to_the_address_it_checked` guards it)."""

    def __init__(self, resolver: HostResolver, rule: Rule) -> None:
        super().__init__(trust_env=False, limits=LIMITS)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=LIMITS.max_connections,
            max_keepalive_connections=LIMITS.max_keepalive_connections,
            keepalive_expiry=LIMITS.keepalive_expiry,
            network_backend=CheckedBackend(resolver, rule),
        )


class CheckedBackend(httpcore.NetworkBackend):
    """Resolve once, check every address, connect to the checked ones in turn."""

    def __init__(self, resolver: HostResolver, rule: Rule) -> None:
        self._resolver = resolver
        self._rule = rule
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        literal = literal_address(host)
        addresses = [literal] if literal is not None else self._resolver.addresses(host, port)
        reason = self._rule(host, addresses)
        if reason is not None:
            raise RefusedDestination(reason)
        if not addresses:
            raise httpcore.ConnectError(f"{host}: name does not resolve")
        options = list(socket_options or [])
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(address, port, timeout, local_address, options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.NetworkStream:
        raise RefusedDestination("webhooks não usam sockets unix")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 3)
