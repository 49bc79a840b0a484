"""The HostResolver port on the system resolver (socket.getaddrinfo), as a connection would use it."""

from __future__ import annotations

import socket


class SocketHostResolver:
    def addresses(self, host: str, port: int) -> list[str]:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):  # socket.gaierror is an OSError; a bad IDNA label a UnicodeError
            return []
        return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in found))
