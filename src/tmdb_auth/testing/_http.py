"""
HTTP plumbing of the stand-in: sockets, threads, and the bytes of a
request and its answer.

Strictly private.  A `Listener` serves one address in a background
thread.  For each request its handler builds a
`~tmdb_auth.testing._wire.RecordedRequest` and calls the listener's
*answer* function, which returns the `~tmdb_auth.testing._wire.Response`
to send, or ``None`` to close the connection without one.  It knows
nothing of TMDb, faults or the log.
"""

from __future__ import annotations

import contextlib
import ipaddress
import selectors
import socket
import threading

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ._codes import error_response
from ._wire import RecordedRequest, Response


__all__ = ["Answer", "Listener", "is_loopback"]

#: Turns a request into the response to send, or ``None`` to hang up.
Answer = Callable[[RecordedRequest], "Response | None"]

_MAX_BODY = 16 * 1024 * 1024


def is_loopback(host: str) -> bool:
    """
    Whether *host* is ``localhost`` or a loopback IP address.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _HTTPServer(ThreadingHTTPServer):
    """
    A threading server that can close its keep-alive connections on stop.
    """

    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        answer: Answer,
        stopping: threading.Event,
    ) -> None:
        self.answer = answer
        self.stopping = stopping
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup
        # that can take seconds; the stand-in never needs the name.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """
        Silenced: a client hanging up is not worth a traceback on stderr.
        """

    def close_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    """
    Moves bytes between a connection and the listener's *answer*.
    """

    protocol_version = "HTTP/1.1"
    # One buffered write per response, sent at once: headers and body in
    # separate segments would meet Nagle and delayed ACKs (40 ms a call).
    disable_nagle_algorithm = True
    wbufsize = -1
    server: _HTTPServer

    def version_string(self) -> str:
        return "openresty"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """
        Silenced: the stand-in writes nothing, and so logs no secrets.
        """

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunks()
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return None
        if size < 0 or size > _MAX_BODY:
            return None
        return self.rfile.read(size)

    def _read_chunks(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                return None
            total += size
            if size < 0 or total > _MAX_BODY:
                return None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(65537)

    def _send(self, response: Response) -> None:
        if self.server.stopping.is_set():
            self.close_connection = True
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header(
            "Connection", "close" if self.close_connection else "keep-alive"
        )
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _serve(self) -> None:
        split = urlsplit(self.path)
        body = self._read_body()
        if body is None:
            self.close_connection = True
            self._send(error_response(5, 400))
            return
        record = RecordedRequest(
            self.command,
            split.path or "/",
            dict(parse_qsl(split.query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        response = self.server.answer(record)
        if response is None:
            self.close_connection = True
            return
        self._send(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815
    do_HEAD = do_OPTIONS = _serve  # noqa: N815


class Listener:
    """
    Serves one address in a background thread until `stop`.

    Args:
        host: The address to bind (IPv6 addresses without brackets).
        port: The port; 0 picks a free one.
        answer: Answers each request (in the connection's thread).
        stopping: Set while stopping; long waits of *answer* should wait
            on it, so that `stop` does not wait for them.

    Raises:
        OSError: The address cannot be bound.
    """

    def __init__(
        self, host: str, port: int, answer: Answer, stopping: threading.Event
    ) -> None:
        cls = _HTTPServer6 if ":" in host else _HTTPServer
        self._httpd = cls((host, port), answer, stopping)
        self.port = int(self._httpd.server_address[1])
        self._stopping = stopping
        self._wake = socket.socketpair()
        self._thread = threading.Thread(
            target=self._serve_forever,
            name=f"tmdb-stand-in-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def _serve_forever(self) -> None:
        # Our own loop instead of serve_forever(): it wakes on a socket pair,
        # so stop() returns at once instead of after a poll interval.
        httpd = self._httpd
        httpd.timeout = 0
        with selectors.DefaultSelector() as selector:
            selector.register(httpd.fileno(), selectors.EVENT_READ, "listen")
            selector.register(self._wake[0], selectors.EVENT_READ, "wake")
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.data == "listen" and not self._stopping.is_set():
                        httpd.handle_request()

    def stop(self) -> None:
        """
        Stop serving, close every connection and the socket.
        """
        self._stopping.set()
        self._wake[1].send(b"x")
        self._thread.join()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._wake[0].close()
        self._wake[1].close()
