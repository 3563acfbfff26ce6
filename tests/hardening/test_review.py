"""
7. The outside review of release one: each finding as a class of bug.

Redirected own calls, identity across revocation, secrets in the frames
error reporters capture (traceback's ``capture_locals``, sentry-sdk, rich),
forks, identifiers of the wrong shape, clock skew, dripping servers, and
the constructor's checks. Each test failed on release one.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import traceback
import warnings

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from tests.clients import Flavour as Driver
from tests.clients import Requests as RequestsDriver
from tests.hardening.conftest import DRIVERS
from tests.leaks import our_frame_locals, server_secrets
from tmdb_auth import (
    ConfigurationError,
    LoginFailed,
    RedirectRefused,
    SessionRequired,
    SessionRevoked,
    TMDbConnectionError,
    TMDbServerError,
    scrub,
    sentry_before_send,
)
from tmdb_auth.httpx import TMDbAuth as HttpxAuth
from tmdb_auth.requests import TMDbAuth as RequestsAuth
from tmdb_auth.testing import TMDbServer


AUTH = "/3/authentication"
RATING = "/3/movie/550/rating"


@pytest.fixture(params=DRIVERS, ids=[d.name for d in DRIVERS])
def driver(request: pytest.FixtureRequest) -> type[Driver]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def other(server: TMDbServer) -> Iterator[TMDbServer]:
    """Another host that knows the same key: it would answer our calls."""
    with TMDbServer(api_key=server.api_key) as other:
        yield other


def _follow(driver: type[Driver]) -> dict[str, Any]:
    return {} if driver is RequestsDriver else {"follow_redirects": True}


# -- 1. own calls never follow a redirect ------------------------------

OWN_CALLS = [
    ("GET", f"{AUTH}/token/new"),
    ("POST", f"{AUTH}/token/validate_with_login"),
    ("POST", f"{AUTH}/session/new"),
]


@pytest.mark.parametrize("status", [302, 307, 308])
@pytest.mark.parametrize(("method", "path"), OWN_CALLS)
def test_login_calls_never_follow_a_redirect(  # noqa: PLR0917
    server: TMDbServer,
    other: TMDbServer,
    driver: type[Driver],
    method: str,
    path: str,
    status: int,
) -> None:
    """
    A redirect on any login call, whatever the client follows, is
    RedirectRefused, and nothing secret of it reaches the other host.
    """
    client = driver(server, username=server.username, password=server.password)
    server.fail_next(
        path,
        method=method,
        status=status,
        body=b"",
        headers={"Location": other.url + path},
    )

    with pytest.raises(RedirectRefused):
        client.call("GET", "/3/account", **_follow(driver))

    secrets = server_secrets(server) | {server.password}
    for request in other.requests:
        shown = repr(request.query) + repr(request.headers)
        assert not [s for s in secrets if s in shown + request.body.decode()]
        assert not request.body  # no body went a second time
    assert {"guest": 0, "user": 0} == other.sessions_created


def test_a_redirected_guest_session_is_not_taken(
    server: TMDbServer, other: TMDbServer, driver: type[Driver]
) -> None:
    """
    guest_session/new redirected to a host that answers with an id of its
    own: refused, so no later call travels with the id that host chose.
    """
    client = driver(server, session="guest")
    path = f"{AUTH}/guest_session/new"
    server.fail_next(
        path, status=302, body=b"", headers={"Location": other.url + path}
    )

    with pytest.raises(RedirectRefused):
        client.call("POST", RATING, json={"value": 8}, **_follow(driver))
    client.call("POST", RATING, json={"value": 8})

    assert {"guest": 1, "user": 0} == server.sessions_created
    ids = {r.query.get("guest_session_id") for r in server.requests}
    assert ids - {None} <= set(server_secrets(server))


@pytest.mark.parametrize("status", [307, 308])
def test_logout_never_follows_a_redirect(
    server: TMDbServer, other: TMDbServer, status: int
) -> None:
    """DELETE session on a client that follows redirects: no id leaves."""
    auth = HttpxAuth(
        api_key=server.api_key,
        api_url=server.url,
        username=server.username,
        password=server.password,
    )
    path = f"{AUTH}/session"
    with httpx.Client(auth=auth, follow_redirects=True) as client:
        client.get(server.url + "/3/account")
        server.fail_next(
            path,
            method="DELETE",
            status=status,
            body=b"",
            headers={"Location": other.url + path},
        )
        with pytest.raises(RedirectRefused):
            auth.logout(client)

    assert 0 == other.count()


def test_a_401_from_another_host_is_not_a_revocation(
    server: TMDbServer, other: TMDbServer
) -> None:
    """
    The user's own request, redirected by their client to a host that
    answers 401/3: that answer is theirs; the good session is kept.
    """
    auth = HttpxAuth(
        api_key=server.api_key,
        api_url=server.url,
        username=server.username,
        password=server.password,
    )
    with httpx.Client(auth=auth, follow_redirects=True) as client:
        client.get(server.url + "/3/account")
        server.fail_next(
            "/3/account",
            status=302,
            body=b"",
            headers={"Location": other.url + "/3/account"},
        )
        response = client.get(server.url + "/3/account")
        again = client.get(server.url + "/3/account")

    assert 401 == response.status_code  # the other host's answer
    assert 200 == again.status_code
    assert {"guest": 0, "user": 1} == server.sessions_created


# -- 2. identity across revocation ---------------------------------------


def _login(server: TMDbServer, username: str, password: str) -> str:
    """A session of *username*, made at the stand-in directly."""
    with httpx.Client(base_url=server.url) as c:
        key = {"api_key": server.api_key}
        token = c.get(f"{AUTH}/token/new", params=key).json()["request_token"]
        c.post(
            f"{AUTH}/token/validate_with_login",
            params=key,
            json={
                "username": username,
                "password": password,
                "request_token": token,
            },
        )
        sid = c.post(
            f"{AUTH}/session/new", params=key, json={"request_token": token}
        ).json()["session_id"]
    return str(sid)


@pytest.mark.parametrize("cache", ["store", None], ids=["store", "no-cache"])
def test_a_revoked_explicit_session_is_never_replaced_by_another(
    server: TMDbServer,
    driver: type[Driver],
    tmp_path: Any,
    cache: str | None,
) -> None:
    """
    ann's session_id=, bob logged in on the same machine: once TMDb revokes
    ann's session, her call raises SessionRevoked; it never travels with
    bob's session, nor as a guest.
    """
    server.add_user("bob", "bob-password-1")
    options: dict[str, Any] = {"cache": str(tmp_path) if cache else None}
    bob = driver(server, username="bob", password="bob-password-1", **options)
    bob.call("GET", "/3/account")  # bob's session in the store
    ann_id = _login(server, server.username, server.password)
    ann = driver(server, session_id=ann_id, **options)
    assert 200 == ann.call("GET", "/3/account").status
    server.revoke_session(ann_id)
    before = len(server.requests)

    with pytest.raises(SessionRevoked):
        ann.call("POST", RATING, json={"value": 8})

    sent = server.requests[before:]
    assert 1 == len(sent)  # the refused call, nothing else
    assert ann_id == sent[0].query["session_id"]
    assert isinstance(SessionRevoked("x"), SessionRequired)


def test_a_revoked_login_is_renewed_as_the_same_user(
    server: TMDbServer, driver: type[Driver]
) -> None:
    """username= and password=: a revoked session is made again, once."""
    client = driver(server, username=server.username, password=server.password)
    client.call("GET", "/3/account")
    server.revoke_all_sessions()

    result = client.call("GET", "/3/account")

    assert (200, server.username) == (result.status, result.body["username"])
    assert {"guest": 0, "user": 2} == server.sessions_created


def test_a_cached_user_is_kept_after_revocation(
    server: TMDbServer, driver: type[Driver], tmp_path: Any
) -> None:
    """
    An auth given no identity acts as the cache's latest user; after TMDb
    revokes that session it raises SessionRevoked, not a guest rating.
    """
    maker = driver(
        server,
        username=server.username,
        password=server.password,
        cache=str(tmp_path),
    )
    maker.call("GET", "/3/account")
    client = driver(server, cache=str(tmp_path))
    client.call("POST", RATING, json={"value": 8})
    server.revoke_all_sessions()

    with pytest.raises(SessionRevoked):
        client.call("POST", RATING, json={"value": 8})

    assert 0 == server.sessions_created["guest"]


def test_an_approval_as_another_user_is_refused(
    server: TMDbServer, driver: type[Driver]
) -> None:
    """
    username="ann" with approve=: bob approving is LoginFailed naming both,
    and bob's new session is deleted at TMDb.
    """
    server.add_user("bob", "bob-password-1")

    def approve(url: str) -> None:
        token = url.rsplit("/", 1)[-1].split("?", maxsplit=1)[0]
        server.approve(token, username="bob")

    client = driver(server, username=server.username, approve=approve)

    with pytest.raises(LoginFailed) as info:
        client.call("GET", "/3/account")

    assert "'bob'" in str(info.value)
    assert f"'{server.username}'" in str(info.value)
    assert 1 == server.count(f"{AUTH}/session", method="DELETE")


# -- 3. secrets in the frames error reporters capture ------------------

FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("500", {"status": 500}),
    ("drop", {"drop": True}),
    ("garbage", {"status": 200, "body": b"<html>"}),
]
LOGIN_CALLS = [
    f"{AUTH}/token/new",
    f"{AUTH}/token/validate_with_login",
    f"{AUTH}/session/new",
]


def _failure(
    server: TMDbServer, driver: type[Driver], path: str, fault: dict[str, Any]
) -> BaseException:
    client = driver(server, username=server.username, password=server.password)
    server.fail_next(path, **fault)
    try:
        client.call("GET", "/3/account")
    except Exception as exc:  # what an error reporter would get
        return exc
    pytest.fail("the call did not fail")


def _secrets_of(server: TMDbServer) -> set[str]:
    return server_secrets(server) | {server.password}


def _assert_clean(texts: list[str], secrets: set[str]) -> None:
    found = [s for s in secrets if any(s in t for t in texts)]
    assert not found, f"{len(found)} secret(s) in our frames"


@pytest.mark.parametrize(
    "fault", [f[1] for f in FAULTS], ids=[f[0] for f in FAULTS]
)
@pytest.mark.parametrize("path", LOGIN_CALLS)
def test_no_secret_in_our_frames(
    server: TMDbServer,
    driver: type[Driver],
    path: str,
    fault: dict[str, Any],
) -> None:
    """
    Every failure point of the login: the locals of our frames, as
    capture_locals, pytest -l and rich show them, hold no secret.
    """
    exc = _failure(server, driver, path, fault)
    secrets = _secrets_of(server)

    texts = []
    current: BaseException | None = exc
    while current is not None:
        texts += our_frame_locals(current.__traceback__)
        current = current.__cause__ or current.__context__
    _assert_clean(texts, secrets)
    # traceback's capture_locals, over our frames only (other libraries'
    # frames hold the URLs they send, which scrub() cleans: see below).
    shown = traceback.TracebackException.from_exception(
        exc, capture_locals=True
    )
    ours = [
        frame
        for frame in shown.stack
        if "tmdb_auth" in frame.filename and "testing" not in frame.filename
    ]
    # (A transport error of httpx is raised outside our frames.)
    _assert_clean([repr(f.locals) for f in ours], secrets)


def test_wrong_password_leaves_no_secret_in_our_frames(
    server: TMDbServer, driver: type[Driver]
) -> None:
    """LoginFailed from a wrong password: nothing in our frames."""
    client = driver(server, username=server.username, password="wrong-pw-42")

    with pytest.raises(LoginFailed) as info:
        client.call("GET", "/3/account")

    texts = our_frame_locals(info.value.__traceback__)
    _assert_clean(texts, _secrets_of(server) | {"wrong-pw-42"})


class _Recording:
    """A sentry-sdk transport that keeps the events instead of sending."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        self.events.append(event)


@pytest.mark.parametrize("before_send", [False, True], ids=["raw", "scrubbed"])
@pytest.mark.parametrize("path", LOGIN_CALLS)
def test_sentry_events(
    server: TMDbServer, driver: type[Driver], path: str, before_send: bool
) -> None:
    """
    sentry-sdk with its defaults (local variables included): our frames
    hold no secret; with sentry_before_send, the whole event holds none,
    other libraries' frames and their URLs included.
    """
    sentry_sdk = pytest.importorskip("sentry_sdk")
    exc = _failure(server, driver, path, {"status": 500})
    sent: list[dict[str, Any]] = []
    options: dict[str, Any] = {}
    if before_send:
        options["before_send"] = sentry_before_send
    client = sentry_sdk.Client(
        dsn="https://public@127.0.0.1/1",
        default_integrations=False,
        transport=_transport(sentry_sdk, sent),
        **options,
    )
    with sentry_sdk.new_scope() as scope:
        scope.set_client(client)
        scope.capture_exception(exc)
    client.close()

    assert sent
    event = json.dumps(sent, default=repr)
    secrets = _secrets_of(server)
    if before_send:
        _assert_clean([event], secrets)
        return
    frames = [
        frame
        for e in sent
        for value in e["exception"]["values"]
        for frame in value["stacktrace"]["frames"]
        if frame.get("module", "").startswith("tmdb_auth")
        and not frame["module"].startswith("tmdb_auth.testing")
    ]
    assert frames
    assert any(frame.get("vars") for frame in frames)
    _assert_clean(
        [json.dumps(f.get("vars"), default=repr) for f in frames], secrets
    )


def _transport(sentry_sdk: Any, sent: list[dict[str, Any]]) -> Any:
    class Recording(sentry_sdk.transport.Transport):  # type: ignore[misc]
        def capture_envelope(self, envelope: Any) -> None:
            sent.extend(
                item.payload.json
                for item in envelope.items
                if item.type == "event"
            )

        def flush(self, *args: Any, **kwargs: Any) -> None:
            pass

    return Recording


def test_rich_tracebacks_show_no_secret(server: TMDbServer) -> None:
    """rich's show_locals over our frames: nothing secret."""
    rich_traceback = pytest.importorskip("rich.traceback")
    exc = _failure(
        server, RequestsDriver, f"{AUTH}/session/new", {"status": 500}
    )
    trace = rich_traceback.Traceback.extract(
        type(exc), exc, exc.__traceback__, show_locals=True
    )
    texts = [
        repr(frame.locals)
        for stack in trace.stacks
        for frame in stack.frames
        if "tmdb_auth" in frame.filename and "testing" not in frame.filename
    ]

    assert texts
    _assert_clean(texts, _secrets_of(server))


def test_scrub_keeps_the_structure(server: TMDbServer) -> None:
    """scrub() replaces known secrets by value, anywhere in a structure."""
    auth = RequestsAuth(
        api_key=server.api_key, api_url=server.url, password="a-password-9"
    )
    event = {
        "url": f"{server.url}/3/movie/1?api_key={server.api_key}",
        "n": 7,
        "body": [("password", "a-password-9"), b"x"],
    }

    clean = scrub(event)

    assert {
        "url": f"{server.url}/3/movie/1?api_key=***",
        "n": 7,
        "body": [("password", "***"), b"x"],
    } == clean
    assert "keep me" == scrub("keep me")
    assert auth  # alive: its secrets are known


# -- 7. fork -----------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
def test_fork_while_another_thread_holds_the_lock(server: TMDbServer) -> None:
    """
    fork() while a thread holds the creation lock: the child makes its
    session rather than hanging on a lock nobody will release.
    """
    auth = RequestsAuth(
        api_key=server.api_key, api_url=server.url, cache=None, session="guest"
    )
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with auth._lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(30)
    with warnings.catch_warnings():  # forking a threaded process, on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            with requests.Session() as s:
                r = s.post(
                    server.url + RATING,
                    json={"value": 8},
                    auth=auth,
                    timeout=10,
                )
            code = 0 if r.status_code == 201 else 2
        finally:
            os._exit(code)
    release.set()
    holder.join()
    status = _wait(pid, 30)

    assert 0 == status


def _wait(pid: int, timeout: float) -> int:
    """The child's exit status; kill it if it does not end in *timeout*."""
    result: list[int] = []
    waiter = threading.Thread(
        target=lambda: result.append(
            os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        )
    )
    waiter.start()
    waiter.join(timeout)
    if not result:
        os.kill(pid, 9)
        waiter.join()
        pytest.fail("the forked child hung")
    return result[0]


# -- 8. identifiers of the wrong shape --------------------------------


@pytest.mark.parametrize(
    "guest_id", ["a" * 100_000, "not hex at all!", "", "a" * 31]
)
def test_ids_of_the_wrong_shape_are_refused(
    server: TMDbServer, driver: type[Driver], guest_id: str
) -> None:
    """A guest_session_id not 32 hex: TMDbServerError, never sent on."""
    client = driver(server, session="guest")
    server.fail_next(
        f"{AUTH}/guest_session/new",
        status=200,
        json={
            "success": True,
            "guest_session_id": guest_id,
            "expires_at": "2099-01-01 00:00:00 UTC",
        },
    )

    with pytest.raises(TMDbServerError):
        client.call("POST", RATING, json={"value": 8})

    assert not server.count(RATING)


# -- 9. clock skew -----------------------------------------------------


def test_an_expiry_in_the_past_makes_one_guest_session(
    server: TMDbServer, driver: type[Driver]
) -> None:
    """expires_at already past by this machine's clock: one session."""
    path = f"{AUTH}/guest_session/new"
    with httpx.Client() as c:  # a real guest session, made beforehand
        made = c.get(server.url + path, params={"api_key": server.api_key})
    client = driver(server, session="guest")
    server.fail_next(
        path,
        status=200,
        json={
            "success": True,
            "guest_session_id": made.json()["guest_session_id"],
            "expires_at": "2001-01-01 00:00:00 UTC",
        },
    )

    results = [
        client.call("POST", RATING, json={"value": 8}) for _ in range(5)
    ]

    assert [201] * 5 == [r.status for r in results]
    assert 2 == server.count(path)  # the one made beforehand, and ours


# -- 10. a server that drips --------------------------------------------


class _Drip:
    """A loopback HTTP server whose answers drip one byte at a time."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def _serve(self) -> None:
        self._listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._drip, args=(conn,))
            thread.start()
            self._threads.append(thread)

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n{"
            )
            # One byte a tenth of a second, for at most 20 s (bounded).
            for _ in range(200):
                if self.stop.wait(0.1):
                    return
                try:
                    conn.sendall(b" ")
                except OSError:
                    return

    def close(self) -> None:
        self.stop.set()
        self._listener.close()
        self._accept.join()
        for thread in self._threads:
            thread.join()


@pytest.mark.parametrize("adapter", ["requests", "httpx"])
def test_a_dripping_server_meets_a_deadline(adapter: str) -> None:
    """
    Each byte comes within the read timeout, the whole never: the own
    call ends with TMDbConnectionError at its deadline.
    """
    drip = _Drip()
    try:
        key = "0" * 32
        if adapter == "requests":
            auth: Any = RequestsAuth(
                api_key=key,
                api_url=drip.url,
                session="guest",
                cache=None,
                timeout=(1, 1),
            )
            with pytest.raises(TMDbConnectionError, match="no whole answer"):
                requests.post(drip.url + RATING, json={}, auth=auth, timeout=5)
        else:
            auth = HttpxAuth(
                api_key=key, api_url=drip.url, session="guest", cache=None
            )
            with (
                httpx.Client(auth=auth, timeout=1) as client,
                pytest.raises(TMDbConnectionError, match="too slowly"),
            ):
                client.post(drip.url + RATING, json={})
    finally:
        drip.close()


# -- 13. the requests adapter's own arguments --------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"http": 5},
        {"http": "a session"},
        {"timeout": -1},
        {"timeout": 0},
        {"timeout": "abc"},
        {"timeout": (1,)},
        {"timeout": (1, 2, 3)},
        {"timeout": float("nan")},
        {"timeout": float("inf")},
        {"timeout": True},
        {"timeout": (1, float("nan"))},
    ],
    ids=repr,
)
def test_requests_arguments_are_checked_at_construction(
    options: dict[str, Any],
) -> None:
    """Wrong http= or timeout=: ConfigurationError, saying what to pass."""
    with pytest.raises(ConfigurationError, match="must be"):
        RequestsAuth(api_key="0" * 32, cache=None, **options)


# -- 15. plain http only to loopback ----------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.localhost",
        "http://localhost.evil.com",
        "http://a.localhost:80",
    ],
)
def test_plain_http_only_to_loopback_literals(url: str) -> None:
    """Names under localhost resolve anywhere: plain http is refused."""
    for auth in (RequestsAuth, HttpxAuth):
        with pytest.raises(ConfigurationError, match="plain http"):
            auth(api_key="0" * 32, api_url=url, cache=None)


@pytest.mark.parametrize(
    "url", ["http://localhost:8000", "http://127.0.0.2", "http://[::1]:9"]
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    for auth in (RequestsAuth, HttpxAuth):
        assert auth(api_key="0" * 32, api_url=url, cache=None)


@pytest.mark.parametrize("adapter", [RequestsAuth, HttpxAuth])
def test_a_refused_constructor_keeps_no_argument_in_its_frames(
    adapter: type,
) -> None:
    """
    A ConfigurationError at construction: the key and password passed in
    are in none of the frames its traceback holds.
    """
    key, password = "9" * 32, "a-password-to-keep"

    with pytest.raises(ConfigurationError) as info:
        adapter(api_key=key, password=password, session_id="not an id")

    shown = traceback.TracebackException.from_exception(
        info.value, capture_locals=True
    )
    frames = [f for f in shown.stack if "tmdb_auth" in f.filename]
    texts = our_frame_locals(info.value.__traceback__)
    texts += [repr(f.locals) for f in frames]
    _assert_clean(texts, {key, password})
