"""
A small Redis client of the store's own: RESP2 over one socket per call.

Strictly private; used by `.redis` for ``redis://``, ``rediss://`` and
``unix://`` URLs. Importing redis-py costs a new process about 50 ms
(``redis/__init__`` loads its asyncio client, cluster commands and
metrics, whatever one imports from it), more than everything else of a
cold start together; the store needs nine commands. So a URL store speaks
RESP2 with the standard library, and redis-py is used only for a
``redis.Redis`` client given by the user, or a URL option this module
does not speak (`parse` returns None).

Nothing is sent that the store does not need: no ``HELLO``, no
``CLIENT SETINFO``; ``AUTH`` and ``SELECT`` only when the URL asks for
them, and then in the same packet as the first command. Every socket
operation has a timeout. An idle connection found dead (the server was
restarted) is replaced once, at once.
"""

from __future__ import annotations

import os
import socket
import threading

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit


if TYPE_CHECKING:
    import ssl

    from collections.abc import Sequence


__all__ = ["Client", "Listener", "RedisError", "ReplyError", "Where", "parse"]

Command = tuple[Any, ...]

_TLS = (
    "ssl_ca_certs",
    "ssl_ca_path",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_cert_reqs",
    "ssl_check_hostname",
)
_TIMEOUTS = ("socket_timeout", "socket_connect_timeout")
#: The URL options this client speaks; any other goes to redis-py.
_KNOWN = frozenset(("db", *_TLS, *_TIMEOUTS))
_IDLE = 8  # connections kept per client


class RedisError(Exception):
    """Redis answered, but not as the store needs (a failure, not a bug)."""


class ReplyError(RedisError):
    """An error reply (``-ERR …``, ``-NOSCRIPT …``, ``-WRONGPASS …``)."""


class Where:
    """How to reach one Redis server, from its URL."""

    __slots__ = (
        "db",
        "host",
        "password",
        "path",
        "port",
        "timeout",
        "tls",
        "username",
    )

    def __init__(
        self,
        *,
        host: str,
        port: int,
        path: str | None,  # a unix socket instead of host and port
        db: int,
        username: str | None,
        password: str | None,
        tls: dict[str, str] | None,  # the URL's ssl_* options (rediss://)
        timeout: float,
    ) -> None:
        self.host, self.port, self.path, self.db = host, port, path, db
        self.username, self.password = username, password
        self.tls, self.timeout = tls, timeout

    def __repr__(self) -> str:  # never the password
        return f"Where({self.host!r}, {self.port}, db={self.db})"


def parse(url: str, timeout: float) -> Where | None:
    """
    Where *url* points, or None when it has an option this client does
    not speak (the store then uses redis-py, which does).
    """
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if not set(query) <= _KNOWN or parts.scheme not in (
        "redis",
        "rediss",
        "unix",
    ):
        return None
    if parts.scheme != "rediss" and any(k in query for k in _TLS):
        return None
    for name in _TIMEOUTS:  # the URL may only shorten the store's bound
        if name in query:
            try:
                timeout = min(timeout, float(query[name]))
            except ValueError:
                return None
    db_text = query.get("db") or (
        "" if parts.scheme == "unix" else parts.path.lstrip("/")
    )
    if not (db_text or "0").isdigit():
        return None
    return Where(
        host=parts.hostname or "localhost",
        port=parts.port or 6379,
        path=unquote(parts.path) if parts.scheme == "unix" else None,
        db=int(db_text or "0"),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=query if parts.scheme == "rediss" else None,
        timeout=timeout,
    )


def _context(options: dict[str, str]) -> ssl.SSLContext:
    import ssl  # noqa: PLC0415 -- only for rediss://

    context = ssl.create_default_context(
        cafile=options.get("ssl_ca_certs"), capath=options.get("ssl_ca_path")
    )
    if options.get("ssl_certfile"):
        context.load_cert_chain(
            options["ssl_certfile"], options.get("ssl_keyfile") or None
        )
    reqs = (options.get("ssl_cert_reqs") or "required").lower()
    check = options.get("ssl_check_hostname", "true").lower()
    if reqs == "none" or check in ("false", "0", "no", "f", "n"):
        context.check_hostname = False
    if reqs == "none":
        context.verify_mode = ssl.CERT_NONE
    elif reqs == "optional":
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def _pack(commands: Sequence[Command]) -> bytes:
    out = bytearray()
    for command in commands:
        out += b"*%d\r\n" % len(command)
        for arg in command:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out += b"$%d\r\n%s\r\n" % (len(data), data)
    return bytes(out)


class _Connection:
    """One socket, its handshake sent with its first command."""

    def __init__(self, where: Where) -> None:
        self.pid = os.getpid()
        if where.path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(where.timeout)
                sock.connect(where.path)
            except BaseException:
                sock.close()
                raise
        else:
            sock = socket.create_connection(
                (where.host, where.port), timeout=where.timeout
            )
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if where.tls is not None:
                    sock = _context(where.tls).wrap_socket(
                        sock, server_hostname=where.host
                    )
            except BaseException:
                sock.close()
                raise
        self._sock = sock
        self._file = sock.makefile("rb")
        hello: list[Command] = []
        if where.password is not None:
            hello.append(
                ("AUTH", where.username, where.password)
                if where.username
                else ("AUTH", where.password)
            )
        if where.db:
            hello.append(("SELECT", where.db))
        self._hello = hello

    def execute(self, commands: Sequence[Command]) -> list[Any]:
        """Send *commands* at once and read their replies."""
        hello, self._hello = self._hello, []
        self._sock.sendall(_pack([*hello, *commands]))
        for _ in hello:
            reply = self.read()
            if isinstance(reply, ReplyError):
                raise reply
        return [self.read() for _ in commands]

    def read(self, timeout: float | None = None) -> Any:
        """One reply; an error reply is returned, not raised."""
        if timeout is not None:
            self._sock.settimeout(timeout)
        line = self._file.readline()
        if not line.endswith(b"\r\n"):
            msg = "the connection closed"
            raise ConnectionError(msg)
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            return ReplyError(rest.decode(errors="replace"))
        if kind == b":":
            return _number(rest)
        if kind == b"$":
            size = _number(rest)
            if size < 0:
                return None
            data = self._file.read(size + 2)
            if len(data) != size + 2:
                msg = "the connection closed"
                raise ConnectionError(msg)
            return data[:-2]
        if kind == b"*":
            count = _number(rest)
            return None if count < 0 else [self.read() for _ in range(count)]
        msg = "not a RESP2 reply"
        raise ConnectionError(msg)

    def close(self) -> None:
        self._file.close()
        self._sock.close()


def _number(text: bytes) -> int:
    try:
        return int(text)
    except ValueError:
        msg = "not a RESP2 number"
        raise ConnectionError(msg) from None


class Listener:
    """A connection subscribed to one channel: waits for its messages."""

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    def wait(self, timeout: float) -> bool:
        """Whether a message came within *timeout* seconds."""
        try:
            self._connection.read(max(timeout, 0.001))
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        """Drop the subscription with its connection."""
        self._connection.close()


class Client:
    """Connections to one server, kept for reuse (thread-safe)."""

    def __init__(self, where: Where) -> None:
        self.where = where
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def _take(self) -> _Connection | None:
        stale = []
        found = None
        with self._lock:
            while self._idle and found is None:
                connection = self._idle.pop()
                if connection.pid == os.getpid():
                    found = connection
                else:  # the parent's (fork): closed here, never written to
                    stale.append(connection)
        for connection in stale:
            connection.close()
        return found

    def run(self, *commands: Command) -> list[Any]:
        """
        Send *commands* in one round trip; their replies.

        Raises:
            ReplyError: The first error reply.
            OSError: Redis cannot be reached, or timed out.
        """
        connection, replies = self._execute(commands)
        with self._lock:
            kept = len(self._idle) < _IDLE
            if kept:
                self._idle.append(connection)
        if not kept:
            connection.close()
        for reply in replies:
            if isinstance(reply, ReplyError):
                raise reply
        return replies

    def _execute(
        self, commands: Sequence[Command]
    ) -> tuple[_Connection, list[Any]]:
        connection = self._take()
        if connection is not None:
            try:
                return connection, connection.execute(commands)
            except TimeoutError:
                connection.close()
                raise
            except OSError:
                # Dead while idle (a restarted server): once more, anew.
                connection.close()
            except BaseException:
                connection.close()
                raise
        return self._fresh(commands)

    def _fresh(
        self, commands: Sequence[Command]
    ) -> tuple[_Connection, list[Any]]:
        connection = _Connection(self.where)
        try:
            return connection, connection.execute(commands)
        except BaseException:
            connection.close()
            raise

    def listen(self, channel: str) -> Listener:
        """A new connection subscribed to *channel* (confirmed)."""
        connection, (reply,) = self._fresh([("SUBSCRIBE", channel)])
        if not isinstance(reply, list):
            connection.close()
            raise ReplyError(str(reply))
        return Listener(connection)

    def close(self) -> None:
        """Close the idle connections (idempotent)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
