"""A TCP proxy in front of PostgreSQL or MariaDB that can lose the answer to a COMMIT.

Armed, it forwards the next ``COMMIT`` a client sends to the server, waits
for the server's answer (the transaction is now committed), and instead
of passing that answer on closes both sides of the connection. The client
driver then raises its own "connection lost" error from ``commit()``,
exactly as when a network or a fail-over cuts a connection at that moment.

It recognises the statement the drivers send for a commit: PostgreSQL's
simple-query message ``Q…COMMIT\\0`` (psycopg) and MySQL's ``COM_QUERY``
packet ``…\\x03COMMIT`` (PyMySQL). PostgreSQL clients must not use TLS
through it (``sslmode=disable``): it has to read the statements.

On MariaDB, SQLAlchemy sets the isolation level of a connection it hands
out with ``SET SESSION TRANSACTION ISOLATION LEVEL …`` followed by a
``COMMIT``: that one is a *checkout* commit, every other one a
*transaction* commit; the proxy arms for one kind at a time.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field

import sqlalchemy as sa

__all__ = ["CHECKOUT", "TRANSACTION", "CommitProxy"]


def _is_commit(chunk: bytes) -> bool:
    """True if ``chunk`` ends with a client's COMMIT statement (either protocol)."""
    pg = b"Q" + struct.pack("!i", 4 + len(b"COMMIT\x00")) + b"COMMIT\x00"
    if chunk.endswith(pg):
        return True
    # MySQL packet: 3-byte little-endian length, sequence id, COM_QUERY (0x03), the text.
    body = b"\x03COMMIT"
    return chunk.endswith(struct.pack("<i", len(body))[:3] + b"\x00" + body)


_SET_ISOLATION = b"SET SESSION TRANSACTION ISOLATION LEVEL"
TRANSACTION, CHECKOUT = "transaction", "checkout"


@dataclass
class _Link:
    client: socket.socket
    server: socket.socket
    #: The client sent a COMMIT whose answer is to be lost.
    doomed: threading.Event = field(default_factory=threading.Event)
    #: The previous statement set the isolation level (so a COMMIT now is a checkout commit).
    after_isolation: bool = False


class CommitProxy:
    """Listen on 127.0.0.1 (an ephemeral port), forward to the server of ``url``.

    :meth:`url` is ``url`` through the proxy; :meth:`lose_commit_answers`
    arms it for the next ``count`` commits (after ``skip`` that go through);
    :attr:`lost` counts the answers lost so far. Use as a context manager.
    """

    def __init__(self, url: str) -> None:
        self.target = sa.engine.make_url(url)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lost = 0
        self.commits = {TRANSACTION: 0, CHECKOUT: 0}
        self._skip = 0
        self._armed = 0
        self._kind = TRANSACTION
        self._lock = threading.Lock()
        self._links: list[_Link] = []
        self._closed = False
        self._down = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self) -> str:
        """The database URL through the proxy."""
        proxied = self.target.set(host="127.0.0.1", port=self.port)
        if proxied.get_backend_name() == "postgresql":
            proxied = proxied.update_query_dict({"sslmode": "disable"})
        return proxied.render_as_string(hide_password=False)

    def lose_commit_answers(self, count: int = 1, *, skip: int = 0, kind: str = TRANSACTION) -> None:
        """Lose the answers of the next ``count`` commits of ``kind``, after letting ``skip`` through."""
        with self._lock:
            self._skip = skip
            self._armed = count
            self._kind = kind

    def disarm(self) -> None:
        with self._lock:
            self._armed = 0

    def down(self) -> None:
        """A database outage: cut every connection, and cut new ones as soon as they open."""
        with self._lock:
            self._down = True
            links, self._links = list(self._links), []
        for link in links:
            self._close(link)

    def up(self) -> None:
        """The database is back."""
        with self._lock:
            self._down = False

    # -- plumbing ---------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self._down:
                client.close()
                continue
            try:
                server = socket.create_connection((self.target.host or "127.0.0.1", self.target.port or 0))
            except OSError:
                client.close()
                continue
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(client, server)
            with self._lock:
                self._links.append(link)
            threading.Thread(target=self._upstream, args=(link,), daemon=True).start()
            threading.Thread(target=self._downstream, args=(link,), daemon=True).start()

    def _take_commit(self, kind: str) -> bool:
        with self._lock:
            self.commits[kind] += 1
            if self._armed <= 0 or kind != self._kind:
                return False
            if self._skip > 0:
                self._skip -= 1
                return False
            self._armed -= 1
            return True

    def _upstream(self, link: _Link) -> None:
        try:
            while chunk := link.client.recv(65536):
                if _is_commit(chunk):
                    kind = CHECKOUT if link.after_isolation else TRANSACTION
                    if self._take_commit(kind):
                        link.doomed.set()
                link.after_isolation = _SET_ISOLATION in chunk
                link.server.sendall(chunk)
        except OSError:
            pass
        self._close(link)

    def _downstream(self, link: _Link) -> None:
        try:
            while chunk := link.server.recv(65536):
                if link.doomed.is_set():
                    # The server committed and answered; the client never hears it.
                    with self._lock:
                        self.lost += 1
                    break
                link.client.sendall(chunk)
        except OSError:
            pass
        self._close(link)

    @staticmethod
    def _close(link: _Link) -> None:
        for sock in (link.client, link.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        with self._lock:
            links = list(self._links)
        for link in links:
            self._close(link)

    def __enter__(self) -> CommitProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
