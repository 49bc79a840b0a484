"""A TCP proxy a drill can cut and restore: the way to "stop" a shared PostgreSQL or Redis.

    with TcpProxy("127.0.0.1", 5432) as proxy:   # the app connects to 127.0.0.1:proxy.port
        proxy.cut()        # refuse new connections and drop every live one (like a crashed server)
        proxy.restore()    # listen again on the same port
        proxy.blackhole()  # drop live connections; accept new ones and never answer (a host gone silent)

Threads only: one accepting, two per connection copying bytes each way.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

_CHUNK = 65536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._lock = threading.Lock()
        self._live: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._stop = threading.Event()
        self._forward = True
        with socket.socket() as probe:  # a free port, kept across cut/restore
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])

    def url_for(self, url: str, default_port: int) -> str:
        """`url` with its host:port replaced by this proxy's (scheme, credentials and path kept)."""
        parts = urlsplit(url)
        credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        assert (parts.hostname, parts.port or default_port) == self._target, "the URL must name the proxied server"
        return urlunsplit(parts._replace(netloc=f"{credentials}127.0.0.1:{self.port}"))

    def start(self) -> TcpProxy:
        return self._listen(forward=True)

    def restore(self) -> TcpProxy:
        self.cut()
        return self._listen(forward=True)

    def blackhole(self) -> None:
        self.cut()
        self._listen(forward=False)

    def _listen(self, forward: bool) -> TcpProxy:
        self._forward = forward
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._stop.clear()
        self._listener = listener
        self._accepting = threading.Thread(target=self._accept_loop, args=(listener,), daemon=True)
        self._accepting.start()
        return self

    def cut(self) -> None:
        """Stop listening (new connections are refused) and reset every live connection."""
        self._stop.set()
        if self._accepting is not None:
            self._accepting.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            live, self._live = self._live, set()
        for sock in live:
            _close(sock)

    @property
    def live_connections(self) -> int:
        with self._lock:
            return len(self._live) // 2 if self._forward else 0

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.cut()

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._forward:
                with self._lock:
                    self._live.add(client)  # held open, never answered, closed by cut()
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=3)
            except OSError:
                _close(client)
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                if self._stop.is_set():
                    _close(client)
                    _close(upstream)
                    return
                self._live.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(_CHUNK):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with self._lock:
                self._live.discard(source)
                self._live.discard(sink)
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
