"""
The HTTP side of the stand-in server: sockets, threads and test controls.

Strictly private; the public names are re-exported by
:mod:`tmdb_auth.testing`.  TMDb's behaviour itself lives in ``_state.py``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import math
import secrets
import selectors
import socket
import threading
import time

from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from . import _data
from ._state import (
    JSON_TYPE,
    App,
    Request,
    Response,
    Settings,
    User,
    error_body,
    error_response,
    json_response,
)


if TYPE_CHECKING:
    from typing_extensions import Self


__all__ = ["Fault", "RecordedRequest", "TMDbServer"]

#: Where ``session_delay`` applies: the calls that create sessions.
_SESSION_PATHS = frozenset(
    {
        "/3/authentication/guest_session/new",
        "/3/authentication/session/new",
        "/3/authentication/session/convert/4",
    }
)
_SECRET_FIELDS = frozenset(
    {
        "api_key",
        "session_id",
        "guest_session_id",
        "request_token",
        "access_token",
        "password",
        "authorization",
    }
)
_MAX_BODY = 16 * 1024 * 1024


def _mask(values: dict[str, str]) -> dict[str, str]:
    return {k: "***" if k in _SECRET_FIELDS else v for k, v in values.items()}


@dataclass(frozen=True, repr=False)
class RecordedRequest:
    """
    One request as the stand-in server received it.

    Attributes:
        method: The HTTP method, e.g. ``"GET"``.
        path: The path without the query string, e.g. ``"/3/account"``.
        query: The query parameters; for a repeated name the last value wins.
        headers: The request headers, with lower-case names.
        body: The raw request body.

    The ``repr`` masks credentials, so a failing assertion never prints
    them.

    .. versionadded:: 0.1.0
    """

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> object:
        """
        Decode the body as JSON.

        Raises:
            ValueError: The body is not JSON.
        """
        return json.loads(self.body)

    def __repr__(self) -> str:
        return (
            f"RecordedRequest(method={self.method!r}, path={self.path!r}, "
            f"query={_mask(self.query)!r}, headers={_mask(self.headers)!r}, "
            f"body=<{len(self.body)} bytes>)"
        )


@dataclass(frozen=True)
class Fault:
    """
    A canned failure, queued by :meth:`TMDbServer.fail_next`.

    Attributes:
        path: The request path it applies to (no query string).
        method: The HTTP method it applies to; ``None`` for any.
        status: The HTTP status to answer with; ``None`` answers normally
            (after *delay*).
        json: A body to send as JSON.
        body: Raw bytes to send instead (garbage, HTML, ...).
        content_type: The ``Content-Type`` of the canned answer.
        headers: Extra response headers.
        drop: Close the connection without any answer.
        delay: Seconds to wait first; other connections are not held up.

    .. versionadded:: 0.1.0
    """

    path: str
    method: str | None = None
    status: int | None = 500
    json: object | None = None
    body: bytes | None = None
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        """
        Whether this fault applies to a request for *method* and *path*.
        """
        return path == self.path and self.method in (None, method)


class _Bucket:
    """
    A token bucket over all requests.  Strictly private.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        elapsed = now - self.stamp
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class _HTTPServer(ThreadingHTTPServer):
    """
    A threading server that can close its keep-alive connections on stop.
    """

    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], tmdb: TMDbServer) -> None:
        self.tmdb = tmdb
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
    Moves bytes between a connection and the server.  Strictly private.
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
            chunks: list[bytes] = []
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(65537) not in (
                        b"\r\n",
                        b"\n",
                        b"",
                    ):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
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

    def _send(self, response: Response) -> None:
        if self.server.tmdb._stopping.is_set():  # noqa: SLF001
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
        tmdb = self.server.tmdb
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
        decision = tmdb._admit(record)  # noqa: SLF001
        if isinstance(decision, Fault):
            if decision.delay > 0:
                tmdb._stopping.wait(decision.delay)  # noqa: SLF001
            if decision.drop:
                self.close_connection = True
                return
            if decision.status is not None:
                self._send(tmdb._fault_response(decision))  # noqa: SLF001
                return
        elif decision is not None:
            self._send(decision)
            return
        if record.path in _SESSION_PATHS and tmdb.session_delay > 0:
            tmdb._stopping.wait(tmdb.session_delay)  # noqa: SLF001
        request = Request(
            record.method, record.path, record.query, record.headers, body
        )
        self._send(tmdb._app.handle(request))  # noqa: SLF001

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815
    do_HEAD = do_OPTIONS = _serve  # noqa: N815


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TMDbServer:
    """
    A stand-in for ``api.themoviedb.org`` on a loopback port.

    It answers the v3 authentication endpoints (and v4 ``/4/auth``), the
    approval web page, the session-requiring endpoints (account, account
    states, ratings, lists, guest rated lists) and a few read endpoints,
    with TMDb's status codes, messages, key orders and headers.  Test
    controls add keys and users, approve tokens, revoke or expire sessions,
    rate-limit, inject faults, and record every request.

    Example::

        from tmdb_auth.testing import TMDbServer

        with TMDbServer() as server:
            r = requests.get(
                server.url + "/3/authentication/guest_session/new",
                params={"api_key": server.api_key},
            )
            assert server.sessions_created == {"guest": 1, "user": 0}

    Args:
        host: The address to bind.  Loopback by default; any other address
            must be passed explicitly and exposes the server to the network.
        port: The port; 0 picks a free one.
        api_key: The default API key (32 hex); random by default.
        username: The default user, who also owns the default key.
        password: Their password; random by default.
        callback_base: Base URL of the ``Authentication-Callback`` header of
            ``token/new``; the server's own URL by default (TMDb's is
            ``https://www.themoviedb.org``).
        auth_body: ``GET /3/authentication`` answers the documented
            ``"official"`` body or the live ``"minimal"`` ``{"success":true}``.
        delete_unknown_session: HTTP status and TMDb code for deleting an
            unknown session (unconfirmed; TMDb's table suggests 404/37).
        expired_guest_session: HTTP status and TMDb code for using an
            expired guest session (unconfirmed; 401/3 by default).
        guest_unused_ttl: Seconds after which a guest session that was
            never used is deleted (the documented 60 minutes is ``3600``);
            ``None`` turns this off.
        bearer_acts_as_owner: Let the read-access token alone act as the
            key owner's user session (undocumented; off).
        retry_after: ``Retry-After`` seconds on 429; ``None`` omits it.
        session_delay: Seconds each session creation waits before it is
            answered; also a settable attribute.
        lenient_bodies: Accept form-encoded bodies and query-string fields
            on ``POST`` (unconfirmed at TMDb; on by default).
        deny_param: The flag added to ``redirect_to`` when the user denies
            (a guess: ``denied=true``); ``None`` adds only the token.

    Raises:
        ValueError: An argument is out of range or malformed.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        username: str = "ann",
        password: str | None = None,
        callback_base: str | None = None,
        auth_body: str = "official",
        delete_unknown_session: tuple[int, int] = (404, 37),
        expired_guest_session: tuple[int, int] = (401, 3),
        guest_unused_ttl: float | None = None,
        bearer_acts_as_owner: bool = False,
        retry_after: int | None = 1,
        session_delay: float = 0.0,
        lenient_bodies: bool = True,
        deny_param: str | None = "denied",
    ) -> None:
        if not host or host != host.strip():
            msg = "host must be a non-empty address such as 127.0.0.1"
            raise ValueError(msg)
        if not 0 <= port <= 65535:
            msg = "port must be between 0 and 65535"
            raise ValueError(msg)
        if auth_body not in ("official", "minimal"):
            msg = "auth_body must be 'official' or 'minimal'"
            raise ValueError(msg)
        for name, pair in (
            ("delete_unknown_session", delete_unknown_session),
            ("expired_guest_session", expired_guest_session),
        ):
            if pair[1] not in _data.MESSAGES:
                msg = f"{name} must be (http_status, tmdb_status_code)"
                raise ValueError(msg)
        if guest_unused_ttl is not None and guest_unused_ttl < 0:
            msg = "guest_unused_ttl must be >= 0 or None"
            raise ValueError(msg)
        if retry_after is not None and retry_after < 0:
            msg = "retry_after must be >= 0 or None"
            raise ValueError(msg)
        if session_delay < 0:
            msg = "session_delay must be >= 0"
            raise ValueError(msg)
        self.host = host
        self.loopback = _is_loopback(host)
        self.retry_after = retry_after
        #: Seconds each session creation waits before it is answered.
        self.session_delay = session_delay
        settings = Settings(
            auth_body=auth_body,
            delete_unknown_session=delete_unknown_session,
            expired_guest_session=expired_guest_session,
            guest_unused_ttl=guest_unused_ttl,
            bearer_acts_as_owner=bearer_acts_as_owner,
            lenient_bodies=lenient_bodies,
            deny_param=deny_param,
            callback_base=callback_base.rstrip("/") if callback_base else None,
        )
        self._app = App(settings, api_key or secrets.token_hex(16))
        self.api_key: str = next(iter(self._app._keys))  # noqa: SLF001
        self._user = self._app.add_user(
            username, password or secrets.token_urlsafe(12)
        )
        self.read_token = self._app.read_token_for(self.api_key)
        self._port = port
        self._log: list[RecordedRequest] = []
        self._arrived = threading.Condition(self._app.lock)
        self._faults: list[list[Any]] = []  # [Fault, remaining]
        self._bucket: _Bucket | None = None
        self._stopping = threading.Event()
        self._lifecycle = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "stopped"
        return f"<TMDbServer {where}>"

    # --- lifecycle ----------------------------------------------------------

    @property
    def port(self) -> int:
        """
        The bound port once started (the requested one before).
        """
        return self._port

    @property
    def url(self) -> str:
        """
        The base URL, e.g. ``http://127.0.0.1:8765``.

        Raises:
            RuntimeError: The server is not started.
        """
        if self._httpd is None:
            msg = "the server is not started; call start() first"
            raise RuntimeError(msg)
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    @property
    def env(self) -> dict[str, str]:
        """
        Environment variables that point tmdb-auth at this server.
        """
        return {"TMDB_API_KEY": self.api_key, "TMDB_API_URL": self.url}

    @property
    def username(self) -> str:
        """
        The default user's username.
        """
        return self._user.username

    @property
    def password(self) -> str:
        """
        The default user's password.
        """
        return self._user.password

    def start(self) -> Self:
        """
        Bind and serve in a background thread; a no-op if running.

        Returns:
            The server itself, so ``server = TMDbServer().start()`` works.
        """
        with self._lifecycle:
            if self._httpd is not None:
                return self
            cls = _HTTPServer6 if ":" in self.host else _HTTPServer
            httpd = cls((self.host, self._port), self)
            self._port = int(httpd.server_address[1])
            self._httpd = httpd
            self._app.base_url = self.url
            self._stopping.clear()
            self._wake = socket.socketpair()
            self._thread = threading.Thread(
                target=self._serve_forever,
                args=(httpd, self._wake[0]),
                name=f"tmdb-stand-in-{self._port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def _serve_forever(self, httpd: _HTTPServer, wake: socket.socket) -> None:
        # Our own loop instead of serve_forever(): it wakes on a socket pair,
        # so stop() returns at once instead of after a poll interval.
        httpd.timeout = 0
        with selectors.DefaultSelector() as selector:
            selector.register(httpd.fileno(), selectors.EVENT_READ, "listen")
            selector.register(wake, selectors.EVENT_READ, "wake")
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.data == "listen" and not self._stopping.is_set():
                        httpd.handle_request()

    def stop(self) -> None:
        """
        Stop serving, close every connection and the socket; idempotent.
        """
        with self._lifecycle:
            httpd, thread, wake = self._httpd, self._thread, self._wake
            if httpd is None or thread is None or wake is None:
                return
            self._stopping.set()
            wake[1].send(b"x")
            thread.join()
            httpd.close_connections()
            httpd.server_close()
            wake[0].close()
            wake[1].close()
            self._httpd = self._thread = self._wake = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- keys, users, tokens, sessions --------------------------------------

    def add_api_key(
        self, key: str | None = None, *, suspended: bool = False
    ) -> str:
        """
        Register another API key (or change whether *key* is suspended).

        Args:
            key: 32 lowercase hex characters; random if ``None``.
            suspended: Calls with the key get 401/10.

        Returns:
            The key.
        """
        return self._app.add_key(key, suspended=suspended)

    def read_token_for(self, api_key: str) -> str:
        """
        The API Read Access Token (an HS256 JWT) whose ``aud`` is *api_key*.

        A token for a key the server does not know is rejected with 401/7.
        """
        return self._app.read_token_for(api_key)

    def add_user(
        self,
        username: str,
        password: str,
        *,
        verified: bool = True,
        disabled: bool = False,
    ) -> User:
        """
        Add a user, or replace one with the same username (keeping its id).

        Args:
            username: The login name.
            password: The password.
            verified: ``False`` makes ``validate_with_login`` answer 401/32.
            disabled: ``True`` makes ``validate_with_login`` answer 401/31.
        """
        return self._app.add_user(
            username, password, verified=verified, disabled=disabled
        )

    def approve(
        self, request_token: str, *, username: str | None = None
    ) -> None:
        """
        Do what the user's click on *Approve* does (v3 or v4 token).

        Args:
            request_token: The token from ``token/new``.
            username: Who approves; the default user if ``None``.

        Raises:
            ValueError: Unknown, expired or consumed token, or unknown user.
        """
        self._app.approve(request_token, username)

    def deny(self, request_token: str) -> None:
        """
        Do what the user's click on *Deny* does.

        Raises:
            ValueError: Unknown, expired or consumed token.
        """
        self._app.deny(request_token)

    def revoke_session(self, session_id: str) -> None:
        """
        Delete a user or guest session; later use gets 401/3.  Idempotent.
        """
        self._app.revoke_session(session_id)

    def revoke_all_sessions(self) -> None:
        """
        Delete every user session, guest session and v4 access token.
        """
        self._app.revoke_all_sessions()

    def expire_guest_sessions(self) -> None:
        """
        Make every existing guest session expired, as if 24 hours passed.
        """
        self._app.expire_guest_sessions()

    def advance(self, seconds: float) -> None:
        """
        Move the server clock forward (token and guest-session expiry).

        Raises:
            ValueError: *seconds* is negative.
        """
        self._app.advance(seconds)

    def session_is_valid(self, session_id: str) -> bool:
        """
        Whether *session_id* (user or guest) would be accepted now.
        """
        return self._app.session_is_valid(session_id)

    @property
    def sessions_created(self) -> dict[str, int]:
        """
        Successful session creations by kind: ``{"guest": n, "user": n}``.
        """
        with self._app.lock:
            return dict(self._app.created)

    # --- traffic ----------------------------------------------------------

    def set_rate_limit(
        self, per_second: float | None, *, burst: int | None = None
    ) -> None:
        """
        Rate-limit all requests with a token bucket; ``None`` turns it off.

        Over the limit, requests get 429 with TMDb code 25 and, unless
        ``retry_after`` is ``None``, a ``Retry-After`` header.

        Args:
            per_second: The refill rate.
            burst: The bucket size; ``ceil(per_second)`` by default.
        """
        if per_second is not None and not per_second > 0:
            msg = "per_second must be > 0 or None"
            raise ValueError(msg)
        if burst is not None and burst < 1:
            msg = "burst must be >= 1"
            raise ValueError(msg)
        with self._app.lock:
            if per_second is None:
                self._bucket = None
            else:
                size = (
                    burst
                    if burst is not None
                    else max(1, math.ceil(per_second))
                )
                self._bucket = _Bucket(per_second, size)

    def fail_next(
        self,
        path: str,
        count: int = 1,
        *,
        method: str | None = None,
        status: int | None = 500,
        json: object | None = None,
        body: bytes | None = None,
        content_type: str = JSON_TYPE,
        headers: dict[str, str] | None = None,
        drop: bool = False,
        delay: float = 0.0,
    ) -> None:
        """
        Make the next *count* requests for *path* (and *method*) fail.

        Each waits *delay* seconds first (without holding up other
        connections).  Then: *drop* closes the connection without an
        answer; a *status* of ``None`` answers normally; otherwise the
        answer is *status* with *body* bytes, or *json*, or by default
        TMDb's error body for that status (500 -> 11, 502 -> 43, 503 -> 9,
        429 -> 25 plus ``Retry-After``, ...).

        Args:
            path: The exact path, e.g. ``"/3/authentication/token/new"``.
            count: How many matching requests fail.
            method: Only requests with this method; any if ``None``.
            status: The HTTP status.
            json: A JSON body.
            body: A raw body (garbage, HTML, ...), used instead of *json*.
            content_type: The ``Content-Type`` header.
            headers: Extra headers.
            drop: Close the connection without answering.
            delay: Seconds to wait first.
        """
        if count < 1 or not path.startswith("/"):
            msg = "count must be >= 1 and path must start with '/'"
            raise ValueError(msg)
        if status is not None and not 100 <= status <= 599:
            msg = "status must be an HTTP status code or None"
            raise ValueError(msg)
        fault = Fault(
            path=path,
            method=method.upper() if method else None,
            status=status,
            json=json,
            body=body,
            content_type=content_type,
            headers=dict(headers or {}),
            drop=drop,
            delay=delay,
        )
        with self._app.lock:
            self._faults.append([fault, count])

    @property
    def requests(self) -> list[RecordedRequest]:
        """
        A copy of the log of every request received, in order.
        """
        with self._app.lock:
            return list(self._log)

    def count(self, path: str | None = None, method: str | None = None) -> int:
        """
        How many logged requests match *path* and *method* (``None``: any).
        """
        with self._app.lock:
            return sum(
                1
                for r in self._log
                if path in (None, r.path) and method in (None, r.method)
            )

    def wait_for(
        self,
        path: str | None = None,
        *,
        method: str | None = None,
        count: int = 1,
        timeout: float = 5.0,
    ) -> bool:
        """
        Block until *count* requests matching *path* and *method* arrived.

        A request counts as soon as it is read, before any fault delay or
        ``session_delay``, so tests can synchronise with requests that are
        still in flight instead of sleeping.

        Returns:
            Whether they arrived within *timeout* seconds.

        .. versionadded:: 0.1.0
        """
        with self._arrived:
            return self._arrived.wait_for(
                lambda: self.count(path, method) >= count, timeout
            )

    def reset(self) -> None:
        """
        Clear the log, the session counters and pending faults.

        Keys, users, tokens and sessions stay.
        """
        with self._app.lock:
            self._log.clear()
            self._faults.clear()
            self._app.created = {"guest": 0, "user": 0}

    # --- used by the handler ----------------------------------------------

    def _admit(self, record: RecordedRequest) -> Fault | Response | None:
        with self._app.lock:
            self._log.append(record)
            self._arrived.notify_all()
            for entry in self._faults:
                fault: Fault = entry[0]
                if fault.matches(record.method, record.path):
                    entry[1] -= 1
                    if entry[1] == 0:
                        self._faults.remove(entry)
                    return fault
            if self._bucket is not None and not self._bucket.take():
                return self._with_retry_after(error_response(25))
        return None

    def _with_retry_after(self, response: Response) -> Response:
        if self.retry_after is not None:
            response.headers.append(("Retry-After", str(self.retry_after)))
        return response

    def _fault_response(self, fault: Fault) -> Response:
        status = fault.status if fault.status is not None else 200
        if fault.body is not None:
            response = Response(status, fault.body)
        elif fault.json is not None:
            response = json_response(status, fault.json)
        else:
            code = _data.CODE_FOR_STATUS.get(status)
            if code is not None:
                obj: object = error_body(code)
            elif status < 400:
                obj = {
                    "success": True,
                    "status_code": 1,
                    "status_message": "Success.",
                }
            else:
                obj = error_body(11)
            response = json_response(status, obj)
        extra = {k.lower() for k in fault.headers}
        response.headers = [
            (k, v) for k, v in response.headers if k.lower() != "content-type"
        ]
        if "content-type" not in extra:
            response.headers.append(("Content-Type", fault.content_type))
        response.headers.extend(fault.headers.items())
        if status == 429 and "retry-after" not in extra:
            self._with_retry_after(response)
        return response
