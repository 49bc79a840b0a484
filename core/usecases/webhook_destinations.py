"""Checking a webhook URL's destination at registration (ADR 0049): the default refuses hosts
that are, or resolve to, non-public addresses; an operator may allow any (EQV_WEBHOOK_ALLOW_PRIVATE).

A name that does not resolve at registration is refused too: it could not be checked, and an
endpoint that cannot be delivered to is better refused now than dead-lettered later. The check
is repeated at every connection by the sender (the records may change after registration)."""

from __future__ import annotations

from typing import Protocol

from core.domain.errors import InvalidInput
from core.domain.webhook_destinations import host_and_port, literal_address, refusal
from core.ports.host_resolver import HostResolver


class DestinationCheck(Protocol):
    def check(self, url: str) -> None:
        """Raise InvalidInput naming `url` when webhooks may not be sent to this URL's host."""
        ...


class PublicDestinationsOnly:
    """The default: the host is a public IP literal, or a name resolving only to public addresses."""

    def __init__(self, resolver: HostResolver) -> None:
        self._resolver = resolver

    def check(self, url: str) -> None:
        host, port = host_and_port(url)
        literal = literal_address(host)
        addresses = [literal] if literal is not None else self._resolver.addresses(host, port)
        reason = refusal(host, addresses)
        if reason is not None:
            raise InvalidInput(f"url recusada: {reason}", field="url")


class AnyDestination:
    """EQV_WEBHOOK_ALLOW_PRIVATE=true (on-premises, development, tests): any host, unresolved."""

    def check(self, url: str) -> None:
        return None
