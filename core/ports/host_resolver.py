"""Resolving a host name to the addresses a connection would use (webhook destinations, ADR 0049)."""

from __future__ import annotations

from typing import Protocol


class HostResolver(Protocol):
    def addresses(self, host: str, port: int) -> list[str]:
        """Every address `host` resolves to for a TCP connection to `port`, as text; [] when it
        does not resolve (unknown name or resolver failure)."""
        ...
