"""A fault-injecting TCP proxy for tests: put it between the hub and a real server, then cut the link.

`cut()` drops every open connection and refuses new ones (a database that went away or is restarting);
`restore()` lets connections through again. `cut_after(n)` drops the link once n more bytes have gone
from client to server (a failure in the middle of a chunk).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class FaultProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 3306):
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._refusing = False
        self._budget: int | None = None  # bytes client→server allowed before a cut
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name="fault-proxy")
        self._thread.start()

    # -- control ---------------------------------------------------------------------------------
    def cut(self) -> None:
        with self._lock:
            self._refusing = True
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                _close(sock)

    def restore(self) -> None:
        with self._lock:
            self._refusing = False
            self._budget = None

    def cut_after(self, client_bytes: int) -> None:
        with self._lock:
            self._budget = client_bytes

    def close(self) -> None:
        self._stopped.set()
        self.cut()
        _close(self._listener)

    # -- plumbing --------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refusing = self._refusing
            if refusing:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while not self._stopped.is_set():
                for key, _ in selector.select(timeout=0.2):
                    source, sink = key.fileobj, key.data
                    data = source.recv(65536)
                    if not data:
                        return
                    if source is client and not self._spend(len(data)):
                        self.cut()
                        return
                    sink.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            _close(client)
            _close(upstream)

    def _spend(self, size: int) -> bool:
        with self._lock:
            if self._budget is None:
                return True
            self._budget -= size
            return self._budget >= 0


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
