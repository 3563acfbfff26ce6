"""
tmdb_auth.cassettes: record through the plugin, no secret in the file,
replay with no socket opened.

The stand-in TMDb plays the live service. Every flow runs once per way of
calling: requests (the cassette mounted on the session the plugin also
uses, ``http=``), httpx, and httpx async on asyncio and on trio.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import re
import socket
import sys
import threading

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import anyio
import httpx
import pytest
import requests

import tmdb_auth.httpx
import tmdb_auth.requests

from tmdb_auth import ConfigurationError, scrub
from tmdb_auth._secret import KINDS, Secret, known, remember
from tmdb_auth.cassettes import Cassette, CassetteError, UnmatchedRequest
from tmdb_auth.testing import TMDbServer, click

from .leaks import FIGURES, server_secrets


RATING = "/3/movie/550/rating"
#: The key and password of the replaying runs: not the stand-in's.
REPLAY_KEY = "5eed" * 8
REPLAY_PASSWORD = "not-the-recorded-one"
HEX40 = re.compile(r"[0-9a-f]{40}")


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


#: A read token of the replaying run (a JWT whose audience is its key).
REPLAY_READ_TOKEN = ".".join(
    [_b64({"alg": "HS256"}), _b64({"aud": REPLAY_KEY, "v": 1}), "c2ln" * 11]
)


# -- proving that nothing touches the network ----------------------------


class Port:
    """
    A loopback port that listens and never answers: any connection to it
    completes in the kernel's backlog, where `connections` counts it.
    """

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def connections(self) -> int:
        self._socket.setblocking(False)
        count = 0
        while True:
            try:
                accepted, _ = self._socket.accept()
            except BlockingIOError:
                return count
            accepted.close()
            count += 1

    def close(self) -> None:
        self._socket.close()


@dataclass
class _Watch:
    """The ``socket.connect`` audit events of one thread, while on."""

    thread: int | None = None
    connects: list[object] = field(default_factory=list)


_WATCH = _Watch()


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "socket.connect" and _WATCH.thread == threading.get_ident():
        _WATCH.connects.append(args[1])


sys.addaudithook(_audit)  # for the whole run: audit hooks stay


@contextlib.contextmanager
def no_connection() -> Iterator[list[object]]:
    """The addresses this thread tries to connect to inside the block."""
    _WATCH.thread, _WATCH.connects = threading.get_ident(), []
    try:
        yield _WATCH.connects
    finally:
        _WATCH.thread = None


@pytest.fixture
def port() -> Iterator[Port]:
    listening = Port()
    yield listening
    listening.close()


def test_the_watch_sees_a_connection(port: Port) -> None:
    """The network checks of the replays can fail: a real call trips both."""
    with no_connection() as connects, pytest.raises(requests.Timeout):
        requests.get(port.url, timeout=0.2)

    assert [("127.0.0.1", int(port.url.rsplit(":", 1)[1]))] == connects
    assert 1 == port.connections()


# -- one flow, four ways of calling ----------------------------------------


Call = tuple[str, str, Any]  # method, path, JSON body
Results = list[tuple[int, bytes]]
LOGIN_AND_RATING: list[Call] = [
    ("GET", "/3/account", None),
    ("POST", RATING, {"value": 8.5}),
]


def _requests(
    cassette: Cassette, url: str, calls: list[Call], **options: Any
) -> Results:
    with requests.Session() as http:
        cassette.mount(http)
        auth = tmdb_auth.requests.TMDbAuth(
            api_url=url, cache=None, http=http, **options
        )
        http.auth = auth
        results = []
        for method, path, body in calls:
            r = http.request(method, url + path, json=body, timeout=10)
            results.append((r.status_code, r.content))
        auth.close()
        return results


def _httpx(
    cassette: Cassette, url: str, calls: list[Call], **options: Any
) -> Results:
    auth = tmdb_auth.httpx.TMDbAuth(api_url=url, cache=None, **options)
    with httpx.Client(
        transport=cassette.transport(), auth=auth, timeout=10
    ) as client:
        results = []
        for method, path, body in calls:
            r = client.request(method, url + path, json=body)
            results.append((r.status_code, r.content))
    auth.close()
    return results


def _httpx_async(backend: str) -> Callable[..., Results]:
    def run(
        cassette: Cassette, url: str, calls: list[Call], **options: Any
    ) -> Results:
        auth = tmdb_auth.httpx.TMDbAuth(api_url=url, cache=None, **options)

        async def main() -> Results:
            async with httpx.AsyncClient(
                transport=cassette.async_transport(), auth=auth, timeout=10
            ) as client:
                results = []
                for method, path, body in calls:
                    r = await client.request(method, url + path, json=body)
                    results.append((r.status_code, r.content))
                return results

        try:
            return anyio.run(main, backend=backend)
        finally:
            auth.close()

    return run


DRIVERS = {
    "requests": _requests,
    "httpx": _httpx,
    "httpx-asyncio": _httpx_async("asyncio"),
    "httpx-trio": _httpx_async("trio"),
}


@pytest.fixture(params=sorted(DRIVERS))
def drive(request: pytest.FixtureRequest) -> Callable[..., Results]:
    return DRIVERS[request.param]


def record(
    drive: Callable[..., Results],
    server: TMDbServer,
    path: Path,
    calls: list[Call] = LOGIN_AND_RATING,
    **options: Any,
) -> Results:
    """Run *calls* against the stand-in, recording into *path*."""
    options.setdefault("api_key", server.api_key)
    if not {"session", "session_id", "approve"} & set(options):
        options.setdefault("username", server.username)
        options.setdefault("password", server.password)
    with Cassette(path, mode="record") as cassette:
        return drive(cassette, server.url, calls, **options)


def replay(
    drive: Callable[..., Results],
    path: Path,
    url: str,
    calls: list[Call] = LOGIN_AND_RATING,
    **options: Any,
) -> tuple[Results, Cassette, list[object]]:
    """Run *calls* from the cassette, with the replaying run's secrets."""
    options.setdefault("api_key", REPLAY_KEY)
    if not {"session", "session_id", "approve"} & set(options):
        options.setdefault("username", "ann")
        options.setdefault("password", REPLAY_PASSWORD)
    cassette = Cassette(path, mode="replay")
    with no_connection() as connects:
        results = drive(cassette, url, calls, **options)
    return results, cassette, connects


def forms(secret: str) -> set[str]:
    """How a secret can be spelled in a file: raw, URL- and JSON-encoded."""
    return {secret, quote(secret, safe=""), quote_plus(secret)} | {
        json.dumps(secret)[1:-1]
    }


def found_in(text: str, secrets: set[str]) -> list[str]:
    return [s[-4:] for s in secrets if any(f in text for f in forms(s))]


def interactions(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text())["interactions"]  # type: ignore[no-any-return]


# -- the proof ---------------------------------------------------------------


class TestLoginAndRating:
    def test_recorded_without_secrets_replayed_offline(
        self,
        drive: Callable[..., Results],
        server: TMDbServer,
        tmp_path: Path,
        port: Port,
    ) -> None:
        """
        A login (username and password) then GET /3/account and a rating:
        no secret the stand-in minted is in the cassette, and the replay,
        with another key and password and no network, gets the same
        answers.
        """
        path = tmp_path / "rating.json"
        live = record(drive, server, path)
        minted = server_secrets(server) | set(server.secrets())
        text = path.read_text()

        again, cassette, connects = replay(drive, path, port.url)

        assert [200, 201] == [status for status, _ in live]
        assert [] == found_in(text, minted)
        assert live == again
        assert 5 == len(cassette) == cassette.played
        assert [] == connects
        assert 0 == port.connections()
        FIGURES["cassette.secrets_minted"] += len(minted)
        FIGURES["cassette.secrets_found_in_cassette"] += len(
            found_in(text, minted)
        )
        FIGURES["cassette.requests_recorded"] += len(interactions(path))
        FIGURES["cassette.requests_replayed"] += cassette.played
        FIGURES["cassette.replay_connections"] += len(connects)

    def test_what_the_cassette_shows(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """
        Each secret is a placeholder of its kind, the same value the same
        placeholder, in URLs, headers and bodies of requests and answers.
        """
        path = tmp_path / "rating.json"
        record(_requests, server, path)

        shown = [
            (i["request"]["method"], i["request"]["url"].split("/", 3)[3])
            for i in interactions(path)
        ]
        document = json.loads(path.read_text())

        assert [
            ("GET", "3/authentication/token/new?api_key=<api_key:1>"),
            (
                "POST",
                "3/authentication/token/validate_with_login"
                "?api_key=<api_key:1>",
            ),
            ("POST", "3/authentication/session/new?api_key=<api_key:1>"),
            ("GET", "3/account?api_key=<api_key:1>&session_id=<session_id:1>"),
            (
                "POST",
                f"{RATING[1:]}?api_key=<api_key:1>&session_id=<session_id:1>",
            ),
        ] == shown
        token, login, session = interactions(path)[:3]
        assert '"request_token":"<request_token:1>"' in token["response"][
            "body"
        ].replace(" ", "")
        assert any(
            h.endswith("/authenticate/<request_token:1>")
            for h in token["response"]["headers"]
        )
        assert {
            "username": "ann",
            "password": "<password:1>",
            "request_token": "<request_token:1>",
        } == json.loads(login["request"]["body"])
        assert (
            "<session_id:1>"
            == json.loads(session["response"]["body"])["session_id"]
        )
        assert {
            "<api_key:1>": {"shape": "hex", "length": 32},
            "<request_token:1>": {"shape": "hex", "length": 40},
            "<password:1>": {
                "shape": "alnum" if server.password.isalnum() else "text",
                "length": len(server.password),
            },
            "<session_id:1>": {"shape": "hex", "length": 40},
        } == document["placeholders"]

    def test_recorded_with_requests_replays_with_httpx(
        self, server: TMDbServer, tmp_path: Path, port: Port
    ) -> None:
        """Matching ignores headers, host and JSON spelling."""
        path = tmp_path / "rating.json"
        live = record(_requests, server, path)

        again, cassette, connects = replay(_httpx, path, port.url)

        assert live == again
        assert 5 == cassette.played
        assert [] == connects


class TestPlaceholders:
    def test_read_token_and_guest_session(
        self,
        drive: Callable[..., Results],
        server: TMDbServer,
        tmp_path: Path,
        port: Port,
    ) -> None:
        """A read token in Authorization, a guest session in the URL."""
        path = tmp_path / "guest.json"
        calls: list[Call] = [("POST", RATING, {"value": 7})]
        live = record(
            drive,
            server,
            path,
            calls,
            api_key=server.read_token,
            session="guest",
        )
        new, rating = interactions(path)

        again, _, connects = replay(
            drive,
            path,
            port.url,
            calls,
            api_key=REPLAY_READ_TOKEN,
            session="guest",
        )

        assert "Bearer <read_token:1>" in "\n".join(new["request"]["headers"])
        assert (
            "guest_session_id=<guest_session_id:1>" in rating["request"]["url"]
        )
        assert [] == found_in(path.read_text(), set(server.secrets()))
        assert live == again
        assert [] == connects

    def test_a_second_session_is_number_two(
        self, server: TMDbServer, tmp_path: Path, port: Port
    ) -> None:
        """
        TMDb revokes the session between two calls: the plugin logs in
        again, the new id is <session_id:2>, and the replay recovers too.
        """
        path = tmp_path / "revoked.json"
        calls: list[Call] = [("GET", "/3/account", None)] * 2
        with Cassette(path) as cassette, requests.Session() as http:
            cassette.mount(http)
            auth = tmdb_auth.requests.TMDbAuth(
                server.api_key,
                api_url=server.url,
                username=server.username,
                password=server.password,
                cache=None,
                http=http,
            )
            http.auth = auth
            first = http.get(server.url + "/3/account")
            server.revoke_all_sessions()
            second = http.get(server.url + "/3/account")
            auth.close()
        urls = [i["request"]["url"] for i in interactions(path)]

        again, cassette, _ = replay(_requests, path, port.url, calls)

        assert [200, 200] == [first.status_code, second.status_code]
        assert 2 == server.sessions_created["user"]
        assert sum("session_id=<session_id:1>" in u for u in urls) == 2
        assert sum("session_id=<session_id:2>" in u for u in urls) == 1
        assert [(200, first.content), (200, second.content)] == again
        assert len(cassette) == cassette.played

    def test_fakes_have_the_recorded_shape_and_never_change(
        self, server: TMDbServer, tmp_path: Path, port: Port
    ) -> None:
        """The session a replay makes is a fake: 40 hex, the same each time."""
        path = tmp_path / "rating.json"
        record(_requests, server, path)
        real = {s for s in server.secrets() if HEX40.fullmatch(s)}
        ids = []
        for _ in range(2):
            cassette = Cassette(path)
            with requests.Session() as http:
                cassette.mount(http)
                auth = tmdb_auth.requests.TMDbAuth(
                    REPLAY_KEY,
                    api_url=port.url,
                    username="ann",
                    password=REPLAY_PASSWORD,
                    cache=None,
                    http=http,
                )
                r = http.get(port.url + "/3/account", auth=auth)
                ids.append(
                    parse_qs(urlsplit(r.request.url).query)["session_id"][0]
                )
                auth.close()

        assert HEX40.fullmatch(ids[0])
        assert ids[0] == ids[1]
        assert ids[0] not in real

    def test_an_approval_url_keeps_its_shape(
        self, server: TMDbServer, tmp_path: Path, port: Port
    ) -> None:
        """
        The approval URL is a secret made of a request token: the cassette
        shows the URL with the token's placeholder, not a placeholder for
        the whole URL.
        """
        path = tmp_path / "approved.json"
        calls: list[Call] = [("GET", "/3/account", None)]
        with Cassette(path) as cassette:
            _httpx(
                cassette,
                server.url,
                calls,
                api_key=server.api_key,
                approve=click,
            )
        headers = "\n".join(interactions(path)[0]["response"]["headers"])

        again, _, connects = replay(
            _httpx, path, port.url, calls, approve=lambda url: None
        )

        assert f"{server.url}/authenticate/<request_token:1>" in headers
        assert "<secret:" not in path.read_text()
        assert 200 == again[0][0]
        assert [] == connects

    def test_a_secret_of_no_kind(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """A secret remembered without a kind is a <secret:n>."""
        remember("an-unnamed-secret-7f3a9c")
        path = tmp_path / "unnamed.json"
        calls: list[Call] = [
            ("GET", "/3/movie/550?note=an-unnamed-secret-7f3a9c", None)
        ]

        record(_httpx, server, path, calls, session=None)

        assert "note=<secret:1>" in interactions(path)[0]["request"]["url"]

    def test_a_token_an_answer_brought_comes_back_as_a_fake_jwt(
        self, server: TMDbServer, tmp_path: Path, port: Port
    ) -> None:
        """
        An access token in an answer is <access_token:1>; the replay hands
        back a JWT-shaped fake (three base64url parts, JSON inside).
        """
        token = REPLAY_READ_TOKEN.replace("c2ln", "dG9r")
        remember(token, "access_token")
        server.fail_next(
            "/4/auth/access_token", status=200, json={"access_token": token}
        )
        path = tmp_path / "v4.json"
        calls: list[Call] = [("POST", "/4/auth/access_token", {})]

        record(_httpx, server, path, calls, session=None)
        ((_, body),) = replay(_httpx, path, port.url, calls, session=None)[0]
        fake = json.loads(body)["access_token"]
        header, claims, _ = fake.split(".")

        assert '"access_token":"<access_token:1>"' in interactions(path)[0][
            "response"
        ]["body"].replace(" ", "")
        assert fake != token
        assert {"alg": "HS256", "typ": "JWT"} == json.loads(
            base64.urlsafe_b64decode(header + "==")
        )
        assert isinstance(
            json.loads(base64.urlsafe_b64decode(claims + "==")), dict
        )


class TestReplay:
    def test_an_unrecorded_request_says_what_to_do(
        self, server: TMDbServer, tmp_path: Path, port: Port
    ) -> None:
        """
        A request the recording does not have is UnmatchedRequest, shown
        with placeholders: no secret of the replaying run in it.
        """
        path = tmp_path / "rating.json"
        record(_requests, server, path)
        cassette = Cassette(path)

        with pytest.raises(UnmatchedRequest) as caught, no_connection():
            _requests(
                cassette,
                port.url,
                [("GET", "/3/movie/550", None)],
                api_key=server.api_key,
            )

        message = str(caught.value)
        assert "GET /3/movie/550?api_key=<api_key:1>" in message
        assert "never recorded that method and path" in message
        assert "record the cassette again" in message
        assert server.api_key not in message + caught.value.url
        assert "GET" == caught.value.method
        assert isinstance(caught.value, CassetteError)

    def test_each_recording_plays_once(
        self, server: TMDbServer, tmp_path: Path, port: Port
    ) -> None:
        """A third rating after the two recorded ones has no answer."""
        path = tmp_path / "rating.json"
        record(_httpx, server, path)
        calls = [*LOGIN_AND_RATING, LOGIN_AND_RATING[1]]

        with pytest.raises(UnmatchedRequest, match="played already"):
            replay(_httpx, path, port.url, calls)

    def test_the_body_is_matched(
        self, server: TMDbServer, tmp_path: Path, port: Port
    ) -> None:
        """Another rating value is another request."""
        path = tmp_path / "rating.json"
        record(_httpx, server, path)
        calls: list[Call] = [
            ("GET", "/3/account", None),
            ("POST", RATING, {"value": 3}),
        ]

        with pytest.raises(UnmatchedRequest, match="differ in query or body"):
            replay(_httpx, path, port.url, calls)

    def test_encoded_and_binary_bodies(
        self, server: TMDbServer, tmp_path: Path, port: Port
    ) -> None:
        """
        A gzip answer is kept decoded; a body that is not UTF-8 comes back
        byte for byte.
        """
        path = tmp_path / "bodies.json"
        movie = json.dumps({"id": 550, "title": "Fight Club"}).encode()
        server.fail_next(
            "/3/movie/550",
            status=200,
            body=gzip.compress(movie),
            headers={"Content-Encoding": "gzip"},
        )
        server.fail_next(
            "/3/movie/551", status=200, body=b"\xff\xfe\x00binary\x80"
        )
        calls: list[Call] = [
            ("GET", "/3/movie/550", None),
            ("GET", "/3/movie/551", None),
        ]

        live = record(_requests, server, path, calls, session=None)
        again, _, _ = replay(_httpx, path, port.url, calls, session=None)

        assert [(200, movie), (200, b"\xff\xfe\x00binary\x80")] == live
        assert live == again
        assert movie.decode() == interactions(path)[0]["response"]["body"]


class TestCassette:
    def test_auto_records_then_replays(self, tmp_path: Path) -> None:
        """mode='auto' records when the file is missing, else replays."""
        path = tmp_path / "deep" / "er" / "auto.json"

        first = Cassette(path)
        first.save()
        second = Cassette(path)

        assert ("record", "replay") == (first.mode, second.mode)
        assert 0 == len(second)

    def test_a_failed_block_saves_nothing(self, tmp_path: Path) -> None:
        """A run that failed leaves no half cassette behind."""
        path = tmp_path / "failed.json"

        with pytest.raises(KeyError), Cassette(path):
            raise KeyError("the test failed")

        assert not path.exists()

    def test_mount_sends_through_the_adapter_it_wraps(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """Recording keeps the session's own adapter (retries, pools...)."""
        sent = []

        class Counting(requests.adapters.HTTPAdapter):
            def send(
                self, request: requests.PreparedRequest, **kwargs: Any
            ) -> requests.Response:
                sent.append(request.method)
                return super().send(request, **kwargs)

        with (
            Cassette(tmp_path / "x.json") as cassette,
            requests.Session() as http,
        ):
            http.mount("http://", Counting())
            cassette.mount(http)
            http.get(
                server.url + "/3/configuration",
                params={"api_key": server.api_key},
            )

        assert ["GET"] == sent
        assert 1 == len(cassette)

    def test_save_on_replay_changes_nothing(self, tmp_path: Path) -> None:
        """A replaying cassette never writes its file."""
        path = tmp_path / "x.json"
        Cassette(path).save()
        before = path.read_text()

        with Cassette(path) as cassette:
            cassette.save()

        assert ("replay", before) == (cassette.mode, path.read_text())

    def test_unwritable_and_unreadable(self, tmp_path: Path) -> None:
        """A file that cannot be written or read is a CassetteError."""
        (tmp_path / "file").write_text("")
        (tmp_path / "dir.json").mkdir()

        with pytest.raises(CassetteError, match="Cannot write"):
            Cassette(tmp_path / "file" / "x.json").save()
        with pytest.raises(CassetteError, match="Cannot read"):
            Cassette(tmp_path / "dir.json")

    def test_replay_needs_the_file(self, tmp_path: Path) -> None:
        """mode='replay' without a file says how to make one."""
        with pytest.raises(CassetteError, match="record it first"):
            Cassette(tmp_path / "missing.json", mode="replay")

    @pytest.mark.parametrize(
        "text",
        [
            "not json",
            "[]",
            '{"tmdb_auth_cassette": 2, "placeholders": {}, "interactions": []}',
            '{"tmdb_auth_cassette": 1, "placeholders": {}, "interactions": [{}]}',
            '{"tmdb_auth_cassette": 1, "placeholders": {"x": {"shape": "hex",'
            ' "length": 40}}, "interactions": []}',
        ],
    )
    def test_not_a_cassette(self, tmp_path: Path, text: str) -> None:
        """A file that is not a cassette of this format is refused."""
        path = tmp_path / "bad.json"
        path.write_text(text)

        with pytest.raises(CassetteError, match="not a tmdb-auth cassette"):
            Cassette(path)

    def test_bad_mode(self, tmp_path: Path) -> None:
        """A mode that is not one of the three is a ConfigurationError."""
        with pytest.raises(ConfigurationError, match="'auto', 'record'"):
            Cassette(tmp_path / "x.json", mode="rewind")  # type: ignore[arg-type]

    def test_repr(self, tmp_path: Path) -> None:
        """The repr says the file, the mode and the counts."""
        path = tmp_path / "x.json"

        assert (
            f"Cassette({str(path)!r}, mode='record', interactions=0, "
            "played=0)" == repr(Cassette(path))
        )

    def test_exports(self) -> None:
        """__all__ is sorted and complete."""
        import tmdb_auth.cassettes as module

        assert sorted(module.__all__) == module.__all__
        assert all(getattr(module, name) for name in module.__all__)


class TestSecretKinds:
    def test_kinds_the_plugin_gives(self, server: TMDbServer) -> None:
        """The key, the read token, a session id and a password."""
        tmdb_auth.requests.TMDbAuth(
            server.api_key,
            password=server.password,
            username="ann",
            session_id="ab" * 20,
            cache=None,
        ).close()
        tmdb_auth.requests.TMDbAuth(server.read_token, cache=None).close()
        _, origins = known()

        assert ("api_key", "read_token", "password", "session_id") == tuple(
            origins[value][1]
            for value in (
                server.api_key,
                server.read_token,
                server.password,
                "ab" * 20,
            )
        )

    def test_first_kind_stays(self) -> None:
        """A kind comes once; a value remembered without one keeps it."""
        Secret("value-of-no-kind-yet-1", None)
        remember("value-of-no-kind-yet-1", "request_token")
        remember("value-of-no-kind-yet-1", "password")
        remember("value-of-no-kind-yet-1")
        _, origins = known()

        assert ("value-of-no-kind-yet-1", "request_token") == origins[
            "value-of-no-kind-yet-1"
        ]
        assert "request_token" in KINDS

    def test_scrub_is_unchanged(self) -> None:
        """scrub() still removes every form of a remembered value."""
        Secret("p@ss word/1", "password")

        assert "a *** b *** c ***" == scrub(
            "a p@ss word/1 b p%40ss%20word%2F1 c p%40ss+word%2F1"
        )
