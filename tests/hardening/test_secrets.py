"""
6. Secrets: host scoping (redirects to another host, other hosts on the
same client, plain http to a host that is not loopback), the CLI's output,
the cache's file names and contents, and a self-test of the suite-wide scan
(``tests/conftest.py``, ``leaks.SecretScanner``), which checks every log
record, error and CLI output of every test of the run.
"""

from __future__ import annotations

import io
import logging
import os

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from tests.clients import Flavour as Driver
from tests.clients import Requests as RequestsDriver
from tests.hardening.conftest import DRIVERS
from tests.leaks import FIGURES, SecretScanner, collect_secrets, server_secrets
from tmdb_auth import ConfigurationError, TMDbConnectionError
from tmdb_auth._cli import main
from tmdb_auth.httpx import TMDbAuth as HttpxAuth
from tmdb_auth.requests import TMDbAuth as RequestsAuth
from tmdb_auth.testing import TMDbServer


RATING = "/3/movie/550/rating"


@pytest.fixture
def other() -> Iterator[TMDbServer]:
    """A second stand-in: another origin (another port)."""
    with TMDbServer() as server:
        yield server


@pytest.fixture(params=DRIVERS, ids=[d.name for d in DRIVERS])
def driver(request: pytest.FixtureRequest) -> type[Driver]:
    return request.param  # type: ignore[no-any-return]


def _follow(driver: type[Driver]) -> dict[str, Any]:
    return {} if driver is RequestsDriver else {"follow_redirects": True}


def _nothing_reached(other: TMDbServer, secrets: set[str]) -> None:
    for request in other.requests:
        assert "api_key" not in request.query
        assert "session_id" not in request.query
        assert "guest_session_id" not in request.query
        assert "authorization" not in request.headers
        shown = (
            repr(request.query) + repr(request.headers) + repr(request.body)
        )
        assert not [s for s in secrets if s in shown]
    FIGURES["host_scoping_requests_checked"] += len(other.requests)


@pytest.mark.parametrize("credential", ["api_key", "read_token"])
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_to_another_host(
    server: TMDbServer,
    other: TMDbServer,
    driver: type[Driver],
    credential: str,
    status: int,
) -> None:
    """A redirect off the origin carries no credential and no session."""
    key = getattr(server, credential)
    client = driver(server, api_key=key, session="guest")
    client.call("POST", RATING, json={"value": 8})  # a session exists
    for method, path in (("GET", "/3/movie/550"), ("POST", RATING)):
        server.fail_next(
            path,
            method=method,
            status=status,
            body=b"",
            headers={"Location": f"{other.url}/3/movie/550"},
        )
        kw = {"json": {"value": 8}} if method == "POST" else {}
        client.call(method, path, **kw, **_follow(driver))

    assert other.count() >= 2  # the redirects were followed
    _nothing_reached(other, server_secrets(server))


def test_other_hosts_on_the_same_client(
    server: TMDbServer, other: TMDbServer, driver: type[Driver]
) -> None:
    """
    One auth, calls to another origin (even session routes): nothing
    attached, and no session made for them.
    """
    client = driver(server, username=server.username, password=server.password)
    for method, path in (
        ("GET", "/3/movie/550"),
        ("GET", "/3/account"),
        ("POST", RATING),
    ):
        kw = {"json": {"value": 8}} if method == "POST" else {}
        client.call(method, path, **kw)  # the origin: a session is made
        url = other.url + path
        if driver is RequestsDriver:
            requests.request(method, url, auth=client.auth, timeout=10, **kw)
        else:
            with httpx.Client(auth=client.auth, timeout=10) as c:
                c.request(method, url, **kw)

    _nothing_reached(other, server_secrets(server))
    assert {"guest": 0, "user": 1} == server.sessions_created


class _Capture(requests.adapters.BaseAdapter):
    """A requests transport that records and answers 200, offline."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.sent.append(request)
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        response.request = request
        response.url = request.url
        return response

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    "url",
    [
        "http://api.themoviedb.org/3/movie/550",
        "http://api.themoviedb.org:443/3/movie/550",
        "http://api.tmdb.org/3/account",
        "https://api.themoviedb.org:8443/3/movie/550",
        "https://api.themoviedb.org.evil.example/3/movie/550",
        "https://evil.example/3/movie/550?api_key=",
    ],
)
def test_plain_http_and_lookalikes_get_nothing(url: str) -> None:
    """
    With the real origin configured: plain http to it, other ports and
    look-alike hosts get no credential (offline: capturing transports).
    """
    key = "0123456789abcdef0123456789abcdef"
    capture = _Capture()
    with requests.Session() as s:
        s.mount("http://", capture)
        s.mount("https://", capture)
        s.get(url, auth=RequestsAuth(key, cache=None))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with httpx.Client(
        transport=httpx.MockTransport(handler),
        auth=HttpxAuth(key, cache=None),
    ) as c:
        c.get(url)

    for sent_url, headers in [
        *((r.url or "", r.headers) for r in capture.sent),
        *((str(r.url), r.headers) for r in seen),
    ]:
        assert key not in sent_url
        assert "authorization" not in {k.lower() for k in headers}
    assert 1 == len(capture.sent) == len(seen)


@pytest.mark.parametrize(
    "api_url",
    ["http://example.com", "http://10.0.0.1:8080", "http://[2001:db8::1]"],
)
def test_plain_http_origin_is_refused(api_url: str) -> None:
    """An http origin that is not loopback: refused before any call."""
    for cls in (RequestsAuth, HttpxAuth):
        with pytest.raises(ConfigurationError, match="plain http"):
            cls("0123456789abcdef0123456789abcdef", api_url=api_url)


def test_cli_output(
    env: TMDbServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """What the CLI prints shows no secret (ids masked)."""
    outputs = []
    monkeypatch.setattr("sys.stdin", io.StringIO(env.password + "\n"))
    commands = [
        ["login", "--username", env.username, "--password-stdin"],
        ["guest"],
        ["status"],
        ["status", "--json"],
        ["logout", "--all"],
        ["status"],
    ]
    for argv in commands:
        assert 0 == main(argv)
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
    secrets = server_secrets(env) | collect_secrets(env)
    assert [] == [o for o in outputs for s in secrets if s in o]
    assert "…" in outputs[2]  # masked ids are shown


def test_cache_names_and_contents(server: TMDbServer, tmp_path: Path) -> None:
    """
    After user and guest sessions through every adapter: no secret in a
    cache file name; no key, read token, password or request token in the
    files (session ids are what the cache is for).
    """
    cache = tmp_path / "cache"
    for driver in DRIVERS:
        driver(
            server,
            cache=str(cache),
            username=server.username,
            password=server.password,
        ).call("GET", "/3/account")
        driver(
            server,
            cache=str(cache),
            api_key=server.read_token,
            session="guest",
        ).call("POST", RATING, json={"value": 8})
    tokens = {
        r.json().get("request_token")  # type: ignore[union-attr]
        for r in server.requests
        if r.method == "POST"
        and r.path.endswith(("validate_with_login", "/session/new"))
    }
    forbidden = {server.api_key, server.read_token, server.password} | {
        t for t in tokens if t
    }
    everything = server_secrets(server)
    files = [Path(d) / n for d, _, ns in os.walk(cache) for n in ns]
    assert files
    for path in files:
        FIGURES["cache_files_scanned"] += 1
        assert not [s for s in everything if s in str(path.relative_to(cache))]
        data = path.read_bytes()
        assert not [s for s in forbidden if s.encode() in data], path.name


def test_the_suite_wide_scan_finds_leaks() -> None:
    """
    The scanner of tests/conftest.py does find a secret in a log record,
    in an exception's ``__context__`` and in CLI output (a fresh
    instance, so this test's own scan stays clean).
    """
    found_before = FIGURES["secrets_found"]
    scanner = SecretScanner()
    secret = "4f1d2e3c4b5a69788796a5b4c3d2e1f0"
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "GET /x?api_key=%s",
        (secret,),
        None,
    )
    try:
        scanner.emit(record)
        try:
            try:
                raise requests.ConnectionError(f"http://h/?api_key={secret}")  # noqa: TRY301
            except requests.ConnectionError:
                raise TMDbConnectionError("unchained?") from None
        except TMDbConnectionError as exc:
            scanner.add_exception(exc, own=True)
        scanner.add_text(f"Session {secret}", cli=True)
        leaks = scanner._check({secret})
    finally:
        FIGURES["secrets_found"] = found_before
    # The log record was not redacted: this handler sits on no logger.
    assert any(leak.startswith("httpx INFO") for leak in leaks), leaks
    assert any(leak.startswith("ConnectionError(") for leak in leaks), leaks
    assert "Session <SECRET>" in leaks


def test_guest_session_id_in_a_path_is_not_logged(
    server: TMDbServer, driver: type[Driver]
) -> None:
    """
    TMDb puts a guest session id in the path of its rated lists
    (``/3/guest_session/<id>/rated/movies``): the HTTP libraries' log
    records of that call must not show it (the suite-wide scan checks).
    """
    client = driver(server, session="guest")
    client.call("POST", RATING, json={"value": 8})
    guest = server.requests[-1].query["guest_session_id"]

    result = client.call("GET", f"/3/guest_session/{guest}/rated/movies")

    assert 200 == result.status
