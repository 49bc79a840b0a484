"""Where a webhook may be sent: only to public internet addresses (ADR 0049).

A tenant chooses the URL and the service POSTs to it, so an unchecked URL lets a tenant make the
service call cloud metadata (169.254.169.254) or internal services (SSRF). The rule is applied
at registration (to the URL's host as it resolves then) and again at every connection (to the
addresses actually connected to), since a name's records may change after registration.
On-premises deployments and tests may allow private targets (EQV_WEBHOOK_ALLOW_PRIVATE).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SHOWN = 3  # forbidden addresses named in a refusal


class RefusedDestination(Exception):
    """A connection the rule forbids: raised instead of connecting, its message is the reason."""


def is_forbidden(address: str) -> bool:
    """Loopback, link-local, private, unspecified, multicast, reserved or otherwise not global
    (as the stdlib's ipaddress classifies it), also inside IPv4-mapped or 6to4 IPv6 forms; an
    address that does not parse is forbidden too (fail closed)."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])  # without an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None and is_forbidden(str(embedded)):
            return True
    return (
        ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_unspecified or ip.is_multicast
        or ip.is_reserved or not ip.is_global
    )


def literal_address(host: str) -> str | None:
    """The host itself when it is an IP literal (no resolution needed), else None."""
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        return None


def host_and_port(url: str) -> tuple[str, int]:
    """The host a URL connects to and its port (80/443 by scheme when not given)."""
    parts = urlsplit(url.strip())
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def refusal(host: str, addresses: Sequence[str]) -> str | None:
    """Why `host`, resolving to `addresses`, may not receive webhooks (None: it may). Any
    forbidden address refuses the host: a client may connect to any of them."""
    if not addresses:
        return f"o host '{host}' não resolve para nenhum endereço"
    forbidden = [a for a in dict.fromkeys(addresses) if is_forbidden(a)]
    if forbidden:
        shown = ", ".join(forbidden[:SHOWN])
        return (f"o host '{host}' aponta para endereço não público ({shown}); loopback, redes privadas, "
                "link-local, multicast e endereços reservados não são aceitos como destino de webhook")
    return None
