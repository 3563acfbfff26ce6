"""
5. Hostile input, fuzzed with hypothesis: every parser of TMDb's answers,
the constructors (arguments and environment) and the command line.

Only our typed errors (or `ConfigurationError`) may come out, never another
exception; no retry is unbounded; no answer, argument or URL can inject a
header, a query parameter or a host. Every example run is counted in the
figures (``fuzz_examples.*``). The normal run is derandomised (the same
examples every time, so CI is stable); the soak run draws new ones.
"""

from __future__ import annotations

import io
import json
import re
import socket
import string
import sys

from collections.abc import Generator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import requests

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.conftest import SOAK, scale
from tests.leaks import FIGURES
from tmdb_auth import ConfigurationError, TMDbAuthError, _protocol
from tmdb_auth._config import Credential
from tmdb_auth._errors import error_for, session_gone, tmdb_code
from tmdb_auth._protocol import MAX_RETRY_AFTER
from tmdb_auth._secret import Secret
from tmdb_auth._steps import Approve, Call, Pause, Reply
from tmdb_auth._values import Session
from tmdb_auth.httpx import TMDbAuth as HttpxAuth
from tmdb_auth.requests import TMDbAuth as RequestsAuth
from tmdb_auth.testing import TMDbServer


EXAMPLES = scale(120, 3000)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not SOAK,
    database=None,
    suppress_health_check=list(HealthCheck),
)
KEY = "0123456789abcdef0123456789abcdef"
PASSWORD = "pw-Secret-9f8e7d6c"
SID = "5f3c9a0e1b2d4c6e8f0a1b2c3d4e5f6a7b8c9d0e"
_ID = re.compile(r"[0-9A-Za-z]+")


def counted(name: str) -> None:
    FIGURES[f"fuzz_examples.{name}"] += 1


# -- strategies --------------------------------------------------------

FIELDS = [
    "success",
    "status_code",
    "status_message",
    "guest_session_id",
    "expires_at",
    "request_token",
    "session_id",
    "errors",
    "username",
    "failure",
]
HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            " ",
            "abc\r\nX-Injected: 1",
            "a&api_key=evil",
            "x?y#z",
            "../../etc",
            "\x00",
            "é" * 10,
            "😀",
            "a" * 100_000,
            KEY,
            SID,
            PASSWORD,
            "2026-01-01 00:00:00 UTC",
            "9999-12-31 23:59:59 UTC",
            "0001-01-01 00:00:00 UTC",
            "https://evil.example/authenticate/x",
            "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln",
        ]
    ),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    HOSTILE_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner)
    ),
    max_leaves=12,
)
OBJECTS = st.dictionaries(
    st.sampled_from(FIELDS), JSON_VALUES, max_size=len(FIELDS)
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


BODIES = st.one_of(
    OBJECTS.map(_dumps),
    JSON_VALUES.map(_dumps),
    st.binary(max_size=200),
    st.integers(1, 200_000).map(lambda n: b"[" * n),
    st.integers(1, 200_000).map(lambda n: b'{"a":' * n),
    st.just(b"9" * 5000),
    st.just("\ufeff{}".encode()),
    st.just(b"<html><body>502 Bad Gateway</body></html>"),
    st.just(b'{"success": true, "status_code": 1e999}'),
)
HEADER_TEXT = st.one_of(
    st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=126),
        max_size=40,
    ),
    st.sampled_from(
        ["0", "1", "5", "5.0", "6", "-1", "nan", "inf", "1e308", "-0", ""]
    ),
)
REPLIES = st.builds(
    Reply,
    status=st.one_of(
        st.sampled_from([200, 201, 204, 400, 401, 404, 422, 429, 500, 503]),
        st.integers(100, 599),
    ),
    headers=st.fixed_dictionaries(
        {},
        optional={
            "retry-after": HEADER_TEXT,
            "authentication-callback": HEADER_TEXT | HOSTILE_TEXT,
        },
    ),
    body=BODIES,
)

FLOWS = {
    "guest_session": _protocol.guest_session_new,
    "login_session": lambda: _protocol.login("ann", Secret(PASSWORD)),
    "approval_session": lambda: _protocol.approval(lambda url: None),
    "logout": lambda: _protocol.session_delete(Session("user", SID, "ann")),
    "validate_key": _protocol.validate_key,
    "account_username": lambda: _protocol.account(Session("user", SID, "ann")),
}


#: The secrets each flow sends, which a server could echo in an error.
KNOWN = {
    "guest_session": {KEY},
    "login_session": {KEY, PASSWORD},
    "approval_session": {KEY},
    "logout": {KEY, SID},
    "validate_key": {KEY},
    "account_username": {KEY, SID},
}


def _drive(flow: Generator[Any, Any, Any], replies: list[Reply]) -> Any:
    """Run *flow* on canned replies, checking every step it takes."""
    calls = 0
    step = next(flow)
    try:
        while True:
            if isinstance(step, Call):
                calls += 1
                assert calls <= 8, "a flow loops"
                url, headers = step.target("https://api.example", _CRED)
                assert "\r" not in url
                assert "\n" not in url
                assert all(_ID.fullmatch(k.replace("-", "")) for k in headers)
                reply = replies.pop(0) if replies else Reply(500, {}, b"")
                step = flow.send(reply)
            elif isinstance(step, Pause):
                assert 0 <= step.seconds <= MAX_RETRY_AFTER
                step = flow.send(None)
            else:
                assert isinstance(step, Approve)
                url = step.url.reveal()
                assert url.startswith(("https://", "http://"))
                assert not re.search(r"[\x00-\x20\x7f]", url)
                step = flow.send(None)
    except StopIteration as stop:
        return stop.value
    finally:
        flow.close()


_CRED = Credential("api_key", Secret(KEY), Secret(KEY))


@pytest.mark.parametrize("name", list(FLOWS))
def test_flows_on_hostile_answers(name: str) -> None:
    """Each flow, fed hostile answers: its result or a typed error."""

    @FUZZ
    @given(replies=st.lists(REPLIES, min_size=1, max_size=6))
    def check(replies: list[Reply]) -> None:
        counted(f"flow.{name}")
        try:
            result = _drive(FLOWS[name](), list(replies))
        except TMDbAuthError as exc:
            text = f"{exc} {exc!r} {exc.args!r} {exc.status_message!r}"
            # What TMDb could echo: what this flow sent it.
            assert not [s for s in KNOWN[name] if s in text]
            assert len(str(exc)) < 1000  # noqa: PT017
            return
        if isinstance(result, Session):
            # The id travels in URLs: it must be a plain token.
            assert _ID.fullmatch(result.id)
            assert result.expires_at is None or result.expires_at > 0
        else:
            assert result is None or isinstance(result, (bool, str))

    check()


@pytest.mark.parametrize("step", [1, 2])
def test_login_scrubs_the_password_from_later_answers(step: int) -> None:
    """
    TMDb knows the password once validate_with_login got it: an answer
    to that call or a later one quoting it is scrubbed (session/new's
    errors were not).
    """
    token = "a" * 40
    replies = [
        Reply(200, {}, _dumps({"success": True, "request_token": token})),
        Reply(200, {}, b'{"success": true}'),
        Reply(401, {}, b""),
    ]
    replies[step] = Reply(
        401,
        {},
        _dumps({"status_code": 30, "status_message": f"no: {PASSWORD}"}),
    )
    with pytest.raises(TMDbAuthError) as info:
        _drive(_protocol.login("ann", Secret(PASSWORD)), replies)
    assert PASSWORD not in f"{info.value} {info.value!r}"
    assert "no: ***" in str(info.value)


@FUZZ
@given(reply=REPLIES)
def test_error_mapping(reply: Reply) -> None:
    """error_for gives a typed error for any answer, secrets scrubbed."""
    counted("error_for")
    error = error_for(reply, "testing", PASSWORD)
    assert isinstance(error, TMDbAuthError)
    assert PASSWORD not in str(error)
    assert SID not in str(error)
    assert KEY not in str(error)


@FUZZ
@given(body=BODIES)
def test_adapters_read_401_bodies(body: bytes) -> None:
    """The adapters' 401 check reads TMDb's code from any body, no raise."""
    counted("adapter_401_body")
    code = tmdb_code(body)
    assert code is None or isinstance(
        code, (int, float, str, bool, list, dict)
    )
    assert session_gone(401, body) == (code in (3, 17))


# -- constructors ------------------------------------------------------

HOSTILE_VALUES = st.one_of(
    HOSTILE_TEXT,
    st.integers(),
    st.binary(max_size=20),
    st.lists(st.text(max_size=3), max_size=2),
    st.just(object()),
    st.just(3.5),
    st.sampled_from(
        [
            KEY,
            KEY.upper(),
            KEY + "\n",
            " " + KEY,
            KEY + "\r\nX: y",
            "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiAiYWJjIn0.x",
            "eyJ.eyJ.",
            "https://api.themoviedb.org",
            "http://example.com",
            "http://127.0.0.1:1",
            "https://user:pw@api.themoviedb.org",
            "https://[::1",
            "https://api.themoviedb.org:99999",
            "https://api.themoviedb.org/3?x=1",
            "https://api.themoviedb.org\\@evil.com",
            "https://exämple.com",
            "auto",
            "guest",
            "user",
            "AUTO",
            SID,
            SID + "\x00",
        ]
    ),
)
KEYWORDS = [
    "api_key",
    "session",
    "username",
    "password",
    "session_id",
    "cache",
    "api_url",
    "approve",
]


@pytest.mark.parametrize("auth_class", [RequestsAuth, HttpxAuth])
def test_constructor_arguments(
    auth_class: type[Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Hostile keyword values: a working auth or ConfigurationError."""
    base = str(tmp_path_factory.mktemp("fuzz-cache"))

    @FUZZ
    @given(
        values=st.dictionaries(
            st.sampled_from(KEYWORDS), HOSTILE_VALUES, max_size=4
        )
    )
    def check(values: dict[str, Any]) -> None:
        counted(f"constructor.{auth_class.__module__}")
        options: dict[str, Any] = {"api_key": KEY, "cache": base}
        options.update(values)
        if isinstance(options.get("cache"), str) and not options[
            "cache"
        ].startswith(base):
            options["cache"] = base  # never write outside the test's tmp
        try:
            auth = auth_class(**options)
        except ConfigurationError as exc:
            assert KEY not in str(exc)  # noqa: PT017
            return
        _assert_safe(auth)

    check()


def _assert_safe(auth: Any) -> None:
    """What an accepted configuration puts on the wire is well-formed."""
    settings_ = auth.settings
    value = settings_.credential.value.reveal()
    assert re.fullmatch(r"[0-9A-Za-z._-]+", value)
    origin = settings_.origin
    assert origin.scheme in ("http", "https")
    assert not re.search(r"[\x00-\x20\x7f/?#@\\]", origin.host)
    if origin.scheme == "http":
        assert origin.host in ("localhost", "127.0.0.1", "::1") or (
            origin.host.startswith("127.")
        )
    if settings_.session_id is not None:
        assert re.fullmatch(r"[0-9a-fA-F]{40}", settings_.session_id.reveal())
    for text in (settings_.username, settings_.password):
        if isinstance(text, str):
            assert not re.search(r"[\x00-\x1f\x7f]", text)
    # The key is masked (a username is no secret, whatever it looks like).
    assert KEY not in repr(auth).replace(repr(settings_.username), "")


ENV_VALUES = HOSTILE_TEXT.filter(lambda v: "\x00" not in v) | st.sampled_from(
    [KEY, SID, "http://localhost:1", "user", "guest"]
)
ENV_NAMES = [
    "TMDB_API_KEY",
    "TMDB_READ_ACCESS_TOKEN",
    "TMDB_API_URL",
    "TMDB_USERNAME",
    "TMDB_PASSWORD",
    "TMDB_SESSION_ID",
    "TMDB_AUTH_CACHE_DIR",
]


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hostile environment variables: a working auth or ConfigurationError."""

    @FUZZ
    @given(values=st.dictionaries(st.sampled_from(ENV_NAMES), ENV_VALUES))
    def check(values: dict[str, str]) -> None:
        counted("environment")
        with monkeypatch.context() as m:
            for name in ENV_NAMES:
                m.delenv(name, raising=False)
            for name, value in values.items():
                m.setenv(name, value)
            try:
                auth = HttpxAuth(cache=None)
            except ConfigurationError:
                return
            _assert_safe(auth)

    check()


# -- host scoping of whatever URL a user sends ---------------------------

HOSTS = st.sampled_from(
    [
        "api.themoviedb.org",
        "API.THEMOVIEDB.ORG",
        "api.tmdb.org",
        "api.themoviedb.org.evil.com",
        "evil.com",
        "api.themoviedb.org@evil.com",
        "evil.com@api.themoviedb.org",
        "api.themoviedb.org%2F@evil.com",
        "xn--api-themoviedb.org",
        "127.0.0.1",
        "[::1]",
    ]
)
URLS = st.builds(
    lambda scheme, host, port, path, query, fragment: (
        f"{scheme}://{host}{port}{path}{query}{fragment}"
    ),
    scheme=st.sampled_from(["https", "http", "HTTPS"]),
    host=HOSTS,
    port=st.sampled_from(["", ":443", ":80", ":8443", ":0443"]),
    path=st.sampled_from(
        ["/3/movie/550", "/3/account", "/3/movie/1/rating", "", "/", "/a/../3"]
    )
    | st.text(alphabet=string.ascii_letters + "/.%-_~", max_size=20).map(
        lambda p: "/" + p
    ),
    query=st.sampled_from(["", "?", "?a=1", "?api_key=mine", "?x=%0d%0a"]),
    fragment=st.sampled_from(["", "#f", "#?api_key=x"]),
)


def _official(scheme: str, host: str | None, port: int | None) -> bool:
    return (
        scheme == "https"
        and host in ("api.themoviedb.org", "api.tmdb.org")
        and port in (None, 443)
    )


@FUZZ
@given(url=URLS)
def test_credentials_follow_the_target_host(url: str) -> None:
    """
    The credential is attached exactly when the request goes to the API
    origin, as the HTTP library itself will connect.
    """
    counted("host_scoping")
    read_token = (
        "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFi"
        "Y2RlZiJ9.c2lnbmF0dXJl"
    )
    for key in (KEY, read_token):
        auth = RequestsAuth(key, session=None, cache=None)
        try:
            prepared = requests.Request("GET", url).prepare()
        except (requests.RequestException, ValueError):
            prepared = None
        if prepared is not None:
            prepared = auth(prepared)
            parts = urlsplit(prepared.url or "")
            try:
                port = parts.port
            except ValueError:
                port = -1
            sent = _sent(prepared.url or "", prepared.headers, key)
            assert sent == _official(parts.scheme, parts.hostname, port), url
        hauth = HttpxAuth(key, session=None, cache=None)
        try:
            request = httpx.Request("GET", url)
        except (httpx.InvalidURL, ValueError):
            continue
        flow = hauth.sync_auth_flow(request)
        out = next(flow)
        target = out.url
        sent = _sent(str(target), out.headers, key)
        official = _official(target.scheme, target.host, target.port)
        assert sent == official, url
        flow.close()


def _sent(url: str, headers: Any, key: str) -> bool:
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    in_query = query.get("api_key") == key
    in_header = headers.get("Authorization") == f"Bearer {key}"
    assert "\r" not in url
    assert "\n" not in url
    return in_query or in_header


# -- the command line --------------------------------------------------

ARGS = st.one_of(
    # Never a password typed on stdin: argparse rightly echoes an unknown
    # argument back to the person who typed it.
    HOSTILE_TEXT.filter(lambda v: not re.search("[\x00\x1e]", v)),
    st.sampled_from(
        [
            "--api-url",
            "--cache-dir",
            "--username",
            "--password-stdin",
            "--json",
            "--all",
            "--force",
            "--timeout",
            "--no-browser",
            "-h",
            "nan",
            "-1",
            "1e400",
        ]
    ),
)
COMMANDS = st.sampled_from(["guest", "status", "logout", "login"])


def test_command_line(
    server: TMDbServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    Hostile arguments and standard input: exit 0, 1 or 2, one line on
    stderr for a failure, never a traceback, never a call off loopback.
    """
    base = tmp_path_factory.mktemp("cli")
    real_getaddrinfo = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise socket.gaierror(socket.EAI_NONAME, "no network in tests")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TMDB_AUTH_CACHE_DIR", str(base / "default"))
    from tmdb_auth import _cli

    @FUZZ
    @given(
        command=COMMANDS,
        args=st.lists(ARGS, max_size=5),
        # Marked, so that no argument is ever the same text.
        stdin=HOSTILE_TEXT.map(lambda text: "\x1e" + text),
        where=st.integers(0, 5),
    )
    def check(command: str, args: list[str], stdin: str, where: int) -> None:
        counted("command_line")
        argv = [command, *args]
        # Paths only inside the test's directory; login by password only
        # (browser approval waits for a person).
        for i, arg in enumerate(argv[:-1]):
            if arg == "--cache-dir":
                argv[i + 1] = str(base / re.sub(r"[^\w.-]", "_", argv[i + 1]))
        if command == "login":
            argv += ["--username", "ann", "--password-stdin"]
        argv.insert(min(where, len(argv)), "--cache-dir")
        argv.insert(min(where, len(argv)) + 1, str(base / "c"))
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = _cli.main(argv)
        out, err = capsys.readouterr()
        assert code in (0, 1, 2), (argv, code)
        assert "Traceback" not in out + err
        if code == 1:
            assert 1 == len(err.strip().splitlines()), err
        assert server.password not in out + err

    check()
