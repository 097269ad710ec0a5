"""A TCP relay on loopback in front of a real server, to cause network faults for real.

The service and its workers connect to the relay instead of PostgreSQL. ``refuse()`` drops every
connection and closes the port (connections are refused, as when the database restarts),
``blackhole()`` keeps the port open but lets nothing through, in either direction (a network
that swallows packets: a connection neither answers nor fails), and ``accept()`` relays again.
"""

from __future__ import annotations

import select
import socket
import threading

HOST = "127.0.0.1"


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = HOST):
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind((HOST, 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._stopped = False

    # -- states -------------------------------------------------------------------------------
    def accept(self) -> TcpProxy:
        """Relay connections (again)."""
        self._flowing.set()
        if self._listener is None:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((HOST, self.port))
            listener.listen(64)
            self._listener = listener
            threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()
        return self

    def refuse(self) -> None:
        """Close the port and every connection: new connections are refused, open ones reset."""
        self._flowing.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept(); close() alone does not
            except OSError:
                pass
            listener.close()
        self._close_all()

    def blackhole(self) -> None:
        """Accept connections but let no byte through; open connections go silent."""
        self._flowing.clear()
        if self._listener is None:
            self.accept()
            self._flowing.clear()

    def close(self) -> None:
        self._stopped = True
        self.refuse()

    # -- plumbing -----------------------------------------------------------------------------
    def _close_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            for sock in (client, server):
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    sock.close()
                except OSError:
                    pass

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        try:
            while not self._stopped:
                if not self._flowing.wait(0.2):
                    continue
                readable, _, _ = select.select(list(peers), [], [], 0.2)
                if not self._flowing.is_set():
                    continue  # swallowed: read nothing, so nothing reaches the other side
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in (client, server):
                try:
                    sock.close()
                except OSError:
                    pass
