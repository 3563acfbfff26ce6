"""
Tests of the stand-in TMDb server, ``tmdb_auth.testing``, over real sockets.

Docstrings that cite "§N" refer to ``reference/tmdb-api.md``; "§10.N" is
item N of its emulator checklist.
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import subprocess
import sys
import threading
import time

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import requests

from tmdb_auth.testing import RecordedRequest, TMDbServer, User


MSG3 = (
    "Authentication failed: You do not have permissions to access the service."
)
BODY7 = (
    b'{"status_code":7,"status_message":"Invalid API key: You must be '
    b'granted a valid key.","success":false}'
)
BODY17 = (
    b'{"success":false,"failure":true,"status_code":17,'
    b'"status_message":"Session denied."}'
)
JSON_TYPE = "application/json; charset=utf-8"
HEX40 = re.compile(r"[0-9a-f]{40}")
HEX32 = re.compile(r"[0-9a-f]{32}")
# httpx builds an SSL context per client (tens of ms); share one instead.
TLS = ssl.create_default_context()


def err(code: int, message: str) -> dict[str, object]:
    return {"success": False, "status_code": code, "status_message": message}


def parse_ts(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S UTC").replace(
        tzinfo=timezone.utc
    )


def jwt_part(token: str, index: int) -> dict[str, object]:
    part = token.split(".")[index]
    loaded: dict[str, object] = json.loads(
        base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    )
    return loaded


@pytest.fixture
def server(tmdb_server: TMDbServer) -> TMDbServer:
    return tmdb_server


@pytest.fixture(scope="module")
def web() -> Iterator[httpx.Client]:
    """
    A plain httpx client for one-off calls to any server.
    """
    with httpx.Client(verify=TLS) as c:
        yield c


@pytest.fixture
def client(server: TMDbServer) -> Iterator[httpx.Client]:
    """
    An httpx client that sends the default API key.
    """
    with httpx.Client(
        verify=TLS, base_url=server.url, params={"api_key": server.api_key}
    ) as c:
        yield c


@pytest.fixture
def raw(server: TMDbServer) -> Iterator[httpx.Client]:
    """
    An httpx client that sends no credential by itself.
    """
    with httpx.Client(verify=TLS, base_url=server.url) as c:
        yield c


@pytest.fixture
def http(server: TMDbServer) -> Iterator[requests.Session]:
    """
    A requests session that sends the default API key.
    """
    with requests.Session() as s:
        s.params = {"api_key": server.api_key}
        yield s


def new_token(client: httpx.Client) -> str:
    token: str = client.get("/3/authentication/token/new").json()[
        "request_token"
    ]
    return token


def login(server: TMDbServer, client: httpx.Client) -> str:
    token = new_token(client)
    server.approve(token)
    r = client.post(
        "/3/authentication/session/new", json={"request_token": token}
    )
    sid: str = r.json()["session_id"]
    return sid


def guest(client: httpx.Client) -> str:
    r = client.get("/3/authentication/guest_session/new")
    gid: str = r.json()["guest_session_id"]
    return gid


class TestLifecycle:
    def test_binds_loopback_free_port(self, server: TMDbServer):
        """
        By default the server binds 127.0.0.1 on a free port.
        """
        url = urlsplit(server.url)

        assert "127.0.0.1" == url.hostname
        assert server.port == url.port
        assert server.port > 0

    def test_starts_fast_and_stops_idempotently(self):
        """
        start() takes well under 0.1 s; stop() twice is fine.
        """
        server = TMDbServer()
        t0 = time.perf_counter()
        server.start()
        elapsed = time.perf_counter() - t0
        server.stop()
        server.stop()

        assert elapsed < 0.1

    def test_stop_refuses_new_connections(self, web: httpx.Client):
        """
        After stop(), the port no longer answers.
        """
        with TMDbServer() as server:
            url = server.url

        with pytest.raises(httpx.ConnectError):
            web.get(url + "/3/configuration")

    def test_stop_closes_keep_alive_connections(self):
        """
        stop() closes open keep-alive connections instead of serving them.
        """
        server = TMDbServer().start()
        with httpx.Client(verify=TLS, base_url=server.url) as c:
            first = c.get("/3/configuration")
            server.stop()

            with pytest.raises(httpx.TransportError):
                c.get("/3/configuration")

        assert "keep-alive" == first.headers["connection"]

    def test_url_needs_start(self):
        """
        url (and env) are only known once started.
        """
        server = TMDbServer()

        with pytest.raises(RuntimeError, match="start"):
            _ = server.url

    def test_env(self, server: TMDbServer):
        """
        env points tmdb-auth at the server.
        """
        assert {
            "TMDB_API_KEY": server.api_key,
            "TMDB_API_URL": server.url,
        } == server.env

    def test_repr_has_no_secrets(self, server: TMDbServer):
        """
        The repr shows the URL and no key, token or password.
        """
        text = repr(server)

        assert f"<TMDbServer {server.url}>" == text
        assert "<TMDbServer stopped>" == repr(TMDbServer())

    def test_defaults(self, server: TMDbServer):
        """
        The default key is 32 hex, the default user is "ann".
        """
        assert HEX32.fullmatch(server.api_key)
        assert "ann" == server.username
        assert server.password

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"host": ""},
            {"port": 70000},
            {"api_key": "not-a-key"},
            {"auth_body": "full"},
            {"delete_unknown_session": (404, 999)},
            {"retry_after": -1},
            {"session_delay": -1.0},
            {"guest_unused_ttl": -5.0},
        ],
    )
    def test_bad_arguments(self, kwargs: dict[str, object]):
        """
        Malformed constructor arguments raise ValueError.
        """
        with pytest.raises(ValueError):
            TMDbServer(**kwargs)  # type: ignore[arg-type]

    def test_explicit_non_loopback_host_is_allowed(self):
        """
        A non-loopback host is accepted when passed explicitly.
        """
        server = TMDbServer(host="0.0.0.0")  # noqa: S104

        assert not server.loopback
        assert TMDbServer().loopback

    def test_writes_nothing(
        self, server: TMDbServer, client: httpx.Client, capfd
    ):
        """
        The server writes nothing to stdout/stderr, errors included.
        """
        client.get("/3/authentication")
        client.get("/3/nope")
        client.post("/3/movie/550/rating", content=b"{")
        server.fail_next("/3/configuration", drop=True)
        with pytest.raises(httpx.TransportError):
            client.get("/3/configuration")
        out, errors = capfd.readouterr()

        assert ("", "") == (out, errors)

    def test_plugin_imports_server_lazily(self):
        """
        Loading the pytest plugin does not import the server.
        """
        code = (
            "import sys, tmdb_auth.testing._plugin;"
            "print('tmdb_auth.testing._server' in sys.modules,"
            " 'http.server' in sys.modules)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

        assert "False False" == out.strip()

    def test_main_serves_until_sigterm(self, web: httpx.Client):
        """
        python -m tmdb_auth.testing prints URL and login, exits 0 on SIGTERM.
        """
        with subprocess.Popen(
            [sys.executable, "-m", "tmdb_auth.testing", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        ) as proc:
            assert proc.stdout is not None
            lines = [proc.stdout.readline() for _ in range(6)]
            url = lines[1].strip().split("=", 1)[1]
            key = lines[2].strip().split("=", 1)[1]
            status = web.get(
                url + "/3/authentication", params={"api_key": key}
            ).status_code
            proc.terminate()
            rest = proc.stdout.read()
            code = proc.wait(timeout=10)

        assert 200 == status
        assert lines[0].startswith("TMDb stand-in server at http://127.0.0.1:")
        assert lines[3].startswith("TMDB_READ_ACCESS_TOKEN=")
        assert "username: ann\n" == lines[4]
        assert lines[5].startswith("password: ")
        assert "Press Ctrl-C to stop.\n" == rest
        assert 0 == code


class TestErrorShapes:
    """
    Every row of reference §7.1, byte for byte where the order is known.
    """

    def test_bad_api_key(self, raw: httpx.Client):
        """
        §7.1 row 1: a bad key gives 401/7 with status_code first.
        """
        r = raw.get("/3/movie/550", params={"api_key": "0" * 32})

        assert 401 == r.status_code
        assert BODY7 == r.content
        assert JSON_TYPE == r.headers["content-type"]

    @pytest.mark.parametrize(
        "path", ["/3/movie/999999", "/3/movie/top-rated", "/3/tv/1/season/1"]
    )
    def test_unknown_resource(self, client: httpx.Client, path: str):
        """
        §7.1 rows 2-3 and §10.1: unknown id or path segment gives 404/34.
        """
        r = client.get(path)

        assert 404 == r.status_code
        assert (
            b'{"success":false,"status_code":34,"status_message":'
            b'"The resource you requested could not be found."}'
        ) == r.content

    def test_no_session(self, client: httpx.Client):
        """
        §7.1 row 4: no session on a user endpoint gives 401/3.
        """
        r = client.get("/3/account")

        assert 401 == r.status_code
        assert (
            b'{"success":false,"status_code":3,"status_message":'
            b'"Authentication failed: You do not have permissions to access '
            b'the service."}'
        ) == r.content

    def test_session_denied(self, client: httpx.Client):
        """
        §7.1 row 5: session/new with a bad token gives 401/17 with failure.
        """
        r = client.post(
            "/3/authentication/session/new", json={"request_token": "bla"}
        )

        assert 401 == r.status_code
        assert BODY17 == r.content

    def test_bad_login(self, client: httpx.Client):
        """
        §7.1 row 6: validate_with_login with bad credentials gives 401/30.
        """
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": "bla",
                "password": "bla",
                "request_token": new_token(client),
            },
        )

        assert 401 == r.status_code
        assert (
            b'{"success":false,"status_code":30,"status_message":"Invalid '
            b"username and/or password: You did not provide a valid "
            b'login."}'
        ) == r.content

    def test_invalid_request_token(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §7.1 row 7: validate_with_login with a bad token gives 401/33.
        """
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": server.username,
                "password": server.password,
                "request_token": "f" * 40,
            },
        )

        assert 401 == r.status_code
        assert (
            err(
                33,
                "Invalid request token: The request token is either expired "
                "or invalid.",
            )
            == r.json()
        )

    def test_rating_invalid(self, server: TMDbServer, client: httpx.Client):
        """
        §7.1 row 8: an invalid rating value gives 400/18.
        """
        r = client.post(
            "/3/movie/550/rating",
            params={"session_id": login(server, client)},
            json={"value": 7.2},
        )

        assert 400 == r.status_code
        assert (
            err(18, "Value invalid: Values must be a multiple of 0.50.")
            == r.json()
        )

    def test_page_over_500(self, server: TMDbServer, client: httpx.Client):
        """
        §7.1 row 9: page > 500 gives 422 with the different errors shape.
        """
        r = client.get(
            "/3/account/6089455/favorite/movies",
            params={"session_id": login(server, client), "page": 501},
        )

        assert 422 == r.status_code
        assert {
            "errors": ["page must be less than or equal to 500"]
        } == r.json()

    def test_rate_limited(self, server: TMDbServer, client: httpx.Client):
        """
        §7.1 row 10 and §10.9: over the limit gives 429/25 + Retry-After.
        """
        server.set_rate_limit(0.001, burst=1)
        ok = client.get("/3/configuration")
        r = client.get("/3/configuration")

        assert 200 == ok.status_code
        assert 429 == r.status_code
        assert "1" == r.headers["retry-after"]
        assert (
            err(
                25,
                "Your request count (#) is over the allowed limit of (40).",
            )
            == r.json()
        )


class TestCredentials:
    """
    §2.1 and §10.2: the application credential is checked first.
    """

    def test_api_key_and_read_token(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        §2.1: the key in api_key and the read token as Bearer both work.
        """
        by_key = raw.get("/3/movie/550", params={"api_key": server.api_key})
        by_token = raw.get(
            "/3/movie/550",
            headers={"Authorization": f"Bearer {server.read_token}"},
        )

        assert (200, 200) == (by_key.status_code, by_token.status_code)
        assert by_key.json() == by_token.json()

    def test_read_token_shape(self, server: TMDbServer):
        """
        §2.1/§10.7: the read token is an HS256 JWT without exp.
        """
        token = server.read_token
        payload = jwt_part(token, 1)

        assert {"alg": "HS256"} == jwt_part(token, 0)
        assert ["aud", "nbf", "scopes", "sub", "version"] == sorted(payload)
        assert server.api_key == payload["aud"]
        assert isinstance(payload["nbf"], float)
        assert re.fullmatch(r"[0-9a-f]{24}", str(payload["sub"]))
        assert ["api_read"] == payload["scopes"]
        assert 1 == payload["version"]

    @pytest.mark.parametrize(
        "case", ["missing", "unknown", "key-as-bearer", "token-as-api_key",
                 "empty", "garbage-bearer", "foreign-token"]
    )  # fmt: skip
    def test_bad_credential(
        self, server: TMDbServer, raw: httpx.Client, case: str
    ):
        """
        §10.2: missing, invalid or wrong-slot credentials give 401/7.
        """
        foreign = TMDbServer(api_key=server.api_key).read_token
        params, headers = {
            "missing": ({}, {}),
            "unknown": ({"api_key": "1" * 32}, {}),
            "key-as-bearer": (
                {},
                {"Authorization": f"Bearer {server.api_key}"},
            ),
            "token-as-api_key": ({"api_key": server.read_token}, {}),
            "empty": ({"api_key": ""}, {}),
            "garbage-bearer": ({}, {"Authorization": "Bearer a.b.c"}),
            "foreign-token": ({}, {"Authorization": f"Bearer {foreign}"}),
        }[case]
        r = raw.get("/3/authentication", params=params, headers=headers)

        assert 401 == r.status_code
        assert BODY7 == r.content

    def test_empty_api_key_with_bearer(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        §2.1: an empty api_key next to a valid Bearer is ignored.
        """
        r = raw.get(
            "/3/authentication",
            params={"api_key": ""},
            headers={"Authorization": f"Bearer {server.read_token}"},
        )

        assert 200 == r.status_code

    @pytest.mark.parametrize("bad", ["api_key", "bearer"])
    def test_both_present_one_invalid(
        self, server: TMDbServer, raw: httpx.Client, bad: str
    ):
        """
        §12.9: with api_key and Bearer both present, either invalid is 401/7.
        """
        key = "2" * 32 if bad == "api_key" else server.api_key
        token = "x.y.z" if bad == "bearer" else server.read_token
        r = raw.get(
            "/3/authentication",
            params={"api_key": key},
            headers={"Authorization": f"Bearer {token}"},
        )

        assert 401 == r.status_code
        assert BODY7 == r.content

    def test_suspended_key(self, server: TMDbServer, raw: httpx.Client):
        """
        A suspended key, or its read token, gives 401/10.
        """
        key = server.add_api_key(suspended=True)
        by_key = raw.get("/3/authentication", params={"api_key": key})
        by_token = raw.get(
            "/3/authentication",
            headers={"Authorization": f"Bearer {server.read_token_for(key)}"},
        )

        assert (401, 401) == (by_key.status_code, by_token.status_code)
        assert (
            err(
                10,
                "Suspended API key: Access to your account has been "
                "suspended, contact TMDB.",
            )
            == by_key.json()
            == by_token.json()
        )

    def test_added_key_and_its_token(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        add_api_key() registers a key; read_token_for() signs its token.
        """
        key = server.add_api_key("ab" * 16)
        token = server.read_token_for(key)
        r = raw.get(
            "/3/authentication", headers={"Authorization": f"Bearer {token}"}
        )

        assert "ab" * 16 == key
        assert key == jwt_part(token, 1)["aud"]
        assert 200 == r.status_code

    def test_token_for_unknown_key_is_rejected(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        A read token whose aud the server does not know gives 401/7.
        """
        token = server.read_token_for("cd" * 16)
        r = raw.get(
            "/3/authentication", headers={"Authorization": f"Bearer {token}"}
        )

        assert BODY7 == r.content

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/3/authentication/token/new"),
            ("GET", "/3/authentication/guest_session/new"),
            ("POST", "/3/authentication/session/new"),
            ("DELETE", "/3/authentication/session"),
            ("GET", "/3/no/such/path"),
            ("POST", "/3/movie/550/rating"),
        ],
    )
    def test_credential_checked_first(
        self, raw: httpx.Client, method: str, path: str
    ):
        """
        §10.2: the credential is checked first on every route, even unknown.
        """
        r = raw.request(method, path, json={"value": 0})

        assert 401 == r.status_code
        assert BODY7 == r.content

    def test_any_host(self, server: TMDbServer, client: httpx.Client):
        """
        §10.1: the api.themoviedb.org paths work whatever the Host header.
        """
        r = client.get("/3/movie/11", headers={"Host": "api.themoviedb.org"})

        assert 200 == r.status_code
        assert "Star Wars" == r.json()["title"]

    def test_absolute_form_as_proxy(self, server: TMDbServer):
        """
        §10.1: as an HTTP proxy it answers absolute-form api.themoviedb.org
        URLs, so code with the real URL can be pointed at it.
        """
        with requests.Session() as s:
            s.trust_env = False
            r = s.get(
                "http://api.themoviedb.org/3/movie/13",
                params={"api_key": server.api_key},
                proxies={"http": server.url},
            )

        assert (200, "Forrest Gump") == (r.status_code, r.json()["title"])
        assert "/3/movie/13" == server.requests[-1].path

    def test_v4_write_needs_bearer(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §2.1: on v4, api_key only works on GET; a POST with it gives 401/7.
        """
        r = client.post("/4/auth/request_token")

        assert BODY7 == r.content


class TestRouting:
    def test_wrong_method(self, client: httpx.Client):
        """
        §10.1/§10.4: a wrong method on a known path gives 405/42.
        """
        r = client.post("/3/authentication/token/new")

        assert 405 == r.status_code
        assert "GET" == r.headers["allow"]
        assert (
            err(42, "This request method is not supported for this resource.")
            == r.json()
        )

    @pytest.mark.parametrize(
        "path",
        [
            "/3/authentication",
            "/3/authentication/token/new",
            "/3/authentication/guest_session/new",
        ],
    )
    def test_get_only(self, client: httpx.Client, path: str):
        """
        §10.4: authentication, token/new and guest_session/new are GET only.
        """
        assert 200 == client.get(path).status_code
        assert 405 == client.post(path).status_code

    def test_common_headers(self, client: httpx.Client):
        """
        §1/§10.6: JSON content type, Server: openresty, keep-alive.
        """
        r = client.get("/3/configuration")

        assert JSON_TYPE == r.headers["content-type"]
        assert "openresty" == r.headers["server"]
        assert "keep-alive" == r.headers["connection"]
        assert str(len(r.content)) == r.headers["content-length"]

    def test_unknown_query_params_ignored(self, client: httpx.Client):
        """
        §1/§10.10: language, region and friends are ignored.
        """
        r = client.get(
            "/3/authentication/guest_session/new",
            params={"language": "en-US", "region": "BE", "watch_region": ""},
        )

        assert 200 == r.status_code

    @pytest.mark.parametrize(
        "path", ["/3/movie/550", "/3/tv/1399", "/3/tv/1399/season/1",
                 "/3/tv/1399/season/1/episode/1", "/3/configuration"]
    )  # fmt: skip
    def test_read_endpoints(self, client: httpx.Client, path: str):
        """
        The read endpoints need only the credential.
        """
        r = client.get(path)

        assert 200 == r.status_code

    def test_read_data(self, client: httpx.Client):
        """
        The built-in data has Fight Club and Game of Thrones S01E01.
        """
        movie = client.get("/3/movie/550").json()
        episode = client.get("/3/tv/1399/season/1/episode/1").json()
        config = client.get("/3/configuration").json()

        assert ("Fight Club", "tt0137523") == (
            movie["title"],
            movie["imdb_id"],
        )
        assert "Winter Is Coming" == episode["name"]
        assert (
            "https://image.tmdb.org/t/p/"
            == config["images"]["secure_base_url"]
        )

    def test_head(self, client: httpx.Client):
        """
        HEAD is answered without a body (as a wrong method).
        """
        r = client.head("/3/movie/550")

        assert 405 == r.status_code
        assert b"" == r.content


class TestAuthenticationEndpoints:
    """
    §3: the v3 authentication endpoints one by one.
    """

    def test_validate_key_official(self, client: httpx.Client):
        """
        §3.1/§10.8: the default GET /3/authentication body is the official one.
        """
        r = client.get("/3/authentication")

        assert (
            b'{"success":true,"status_code":1,"status_message":"Success."}'
            == r.content
        )

    def test_validate_key_minimal(self, web: httpx.Client):
        """
        §12.5: auth_body="minimal" answers the live {"success":true}.
        """
        with TMDbServer(auth_body="minimal") as server:
            r = web.get(
                server.url + "/3/authentication",
                params={"api_key": server.api_key},
            )

        assert b'{"success":true}' == r.content

    def test_guest_session_new(self, client: httpx.Client):
        """
        §3.2/§10.7: 32-hex id, expires_at now + 24 h, TMDb's key order.
        """
        r = client.get("/3/authentication/guest_session/new")
        body = r.json()
        expires = parse_ts(body["expires_at"])
        expected = datetime.now(timezone.utc) + timedelta(hours=24)

        assert ["success", "guest_session_id", "expires_at"] == list(body)
        assert True is body["success"]
        assert HEX32.fullmatch(body["guest_session_id"])
        assert abs((expires - expected).total_seconds()) < 5

    def test_token_new(self, server: TMDbServer, client: httpx.Client):
        """
        §3.3/§10.6/§10.7: 40-hex token, 60 minutes, Authentication-Callback.
        """
        r = client.get("/3/authentication/token/new")
        body = r.json()
        expires = parse_ts(body["expires_at"])
        expected = datetime.now(timezone.utc) + timedelta(minutes=60)

        assert ["success", "expires_at", "request_token"] == list(body)
        assert HEX40.fullmatch(body["request_token"])
        assert abs((expires - expected).total_seconds()) < 5
        assert (
            f"{server.url}/authenticate/{body['request_token']}"
            == r.headers["authentication-callback"]
        )

    def test_callback_base(self, web: httpx.Client):
        """
        §10.6: callback_base sets the base of Authentication-Callback.
        """
        with TMDbServer(callback_base="https://www.themoviedb.org/") as server:
            r = web.get(
                server.url + "/3/authentication/token/new",
                params={"api_key": server.api_key},
            )
        token = r.json()["request_token"]

        assert (
            f"https://www.themoviedb.org/authenticate/{token}"
            == r.headers["authentication-callback"]
        )

    def test_validate_with_login_post_json(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §3.4/§10.4: POST with a JSON body approves and echoes the token.
        """
        token = new_token(client)
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": server.username,
                "password": server.password,
                "request_token": token,
            },
        )

        assert 200 == r.status_code
        assert ["success", "expires_at", "request_token"] == list(r.json())
        assert token == r.json()["request_token"]

    def test_validate_with_login_get_query(
        self, server: TMDbServer, http: requests.Session
    ):
        """
        §3.4/§10.4: GET with query parameters works too (tmdbsimple).
        """
        token = http.get(server.url + "/3/authentication/token/new").json()[
            "request_token"
        ]
        r = http.get(
            server.url + "/3/authentication/token/validate_with_login",
            params={
                "request_token": token,
                "username": server.username,
                "password": server.password,
            },
        )
        session = http.get(
            server.url + "/3/authentication/session/new",
            params={"request_token": token},
        )

        assert 200 == r.status_code
        assert True is r.json()["success"]
        assert 200 == session.status_code
        assert HEX40.fullmatch(session.json()["session_id"])

    def test_validate_with_login_form(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §12.10: a form-encoded POST body is accepted (lenient_bodies).
        """
        r = client.post(
            "/3/authentication/token/validate_with_login",
            data={
                "username": server.username,
                "password": server.password,
                "request_token": new_token(client),
            },
        )

        assert 200 == r.status_code

    def test_strict_bodies(self):
        """
        §12.10: lenient_bodies=False ignores form bodies and POST queries.
        """
        with (
            TMDbServer(lenient_bodies=False) as server,
            httpx.Client(
                verify=TLS,
                base_url=server.url,
                params={"api_key": server.api_key},
            ) as c,
        ):
            login_fields = {
                "username": server.username,
                "password": server.password,
                "request_token": new_token(c),
            }
            form = c.post(
                "/3/authentication/token/validate_with_login",
                data=login_fields,
            )
            query = c.post(
                "/3/authentication/token/validate_with_login",
                params=login_fields,
            )

        assert (400, 400) == (form.status_code, query.status_code)
        assert 26 == form.json()["status_code"]

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"username": "ann"}, 26),
            ({"password": "x"}, 26),
            ({"username": "", "password": ""}, 26),
        ],
    )
    def test_validate_missing_fields(
        self, client: httpx.Client, fields: dict[str, str], code: int
    ):
        """
        §3.4: a missing username or password gives 400/26.
        """
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={**fields, "request_token": new_token(client)},
        )

        assert 400 == r.status_code
        assert (
            err(code, "You must provide a username and password.") == r.json()
        )

    @pytest.mark.parametrize(
        ("flags", "code", "message"),
        [
            (
                {"disabled": True},
                31,
                "Account disabled: Your account is no longer active. "
                "Contact TMDB if this is an error.",
            ),
            (
                {"verified": False},
                32,
                "Email not verified: Your email address has not been verified.",
            ),
        ],
    )
    def test_validate_account_state(
        self,
        server: TMDbServer,
        client: httpx.Client,
        flags: dict[str, bool],
        code: int,
        message: str,
    ):
        """
        §10.5: disabled users get 401/31, unverified ones 401/32.
        """
        server.add_user("bob", "pw-bob", **flags)
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": "bob",
                "password": "pw-bob",
                "request_token": new_token(client),
            },
        )

        assert 401 == r.status_code
        assert err(code, message) == r.json()

    def test_session_new_post_json(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §3.5/§10.4: POST session/new with JSON gives a 40-hex session id.
        """
        token = new_token(client)
        server.approve(token)
        r = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 200 == r.status_code
        assert ["success", "session_id"] == list(r.json())
        assert HEX40.fullmatch(r.json()["session_id"])
        assert server.session_is_valid(r.json()["session_id"])

    def test_session_new_get_query(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §3.5/§10.4: GET session/new with the token in the query works.
        """
        token = new_token(client)
        server.approve(token)
        r = client.get(
            "/3/authentication/session/new", params={"request_token": token}
        )

        assert 200 == r.status_code

    def test_json_with_or_without_charset(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §1: JSON bodies are read with or without a charset parameter.
        """
        tokens = [new_token(client), new_token(client)]
        for t in tokens:
            server.approve(t)
        results = [
            client.post(
                "/3/authentication/session/new",
                content=json.dumps({"request_token": t}).encode(),
                headers={"Content-Type": ctype},
            ).status_code
            for t, ctype in zip(
                tokens, ["application/json;charset=utf-8", "application/json"]
            )
        ]

        assert [200, 200] == results

    def test_malformed_body(self, client: httpx.Client):
        """
        §6/§10.3: a malformed JSON body gives 422/5.
        """
        r = client.post(
            "/3/authentication/session/new",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )

        assert 422 == r.status_code
        assert (
            err(
                5, "Invalid parameters: Your request parameters are incorrect."
            )
            == r.json()
        )

    def test_delete_session_json_body(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §3.7/§10.8: DELETE with a JSON body logs out; the session then 401/3.
        """
        sid = login(server, client)
        r = client.request(
            "DELETE",
            "/3/authentication/session",
            json={"session_id": sid, "username": "extra", "description": "x"},
        )
        after = client.get("/3/account", params={"session_id": sid})

        assert 200 == r.status_code
        assert b'{"success":true}' == r.content
        assert 401 == after.status_code
        assert err(3, MSG3) == after.json()
        assert not server.session_is_valid(sid)

    def test_delete_session_query(
        self, server: TMDbServer, http: requests.Session
    ):
        """
        §10.10: DELETE with session_id in the query is accepted too.
        """
        with httpx.Client(
            verify=TLS, base_url=server.url, params={"api_key": server.api_key}
        ) as c:
            sid = login(server, c)
        r = http.delete(
            server.url + "/3/authentication/session",
            params={"session_id": sid},
        )

        assert 200 == r.status_code

    def test_delete_unknown_session(self, client: httpx.Client):
        """
        §12.3: deleting an unknown session gives 404/37 by default.
        """
        r = client.request(
            "DELETE",
            "/3/authentication/session",
            json={"session_id": "0" * 40},
        )

        assert 404 == r.status_code
        assert err(37, "The requested session could not be found.") == r.json()

    def test_delete_unknown_session_configurable(self, web: httpx.Client):
        """
        §12.3: delete_unknown_session chooses the status and code.
        """
        with TMDbServer(delete_unknown_session=(401, 17)) as server:
            r = web.request(
                "DELETE",
                server.url + "/3/authentication/session",
                params={"api_key": server.api_key},
                json={"session_id": "0" * 40},
            )

        assert 401 == r.status_code
        assert BODY17 == r.content

    def test_convert_read_token(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §3.6: session/convert/4 with the read token gives 401/36.
        """
        r = client.post(
            "/3/authentication/session/convert/4",
            json={"access_token": server.read_token},
        )

        assert 401 == r.status_code
        assert (
            b'{"failure":true,"status_code":36,"status_message":"This token '
            b"hasn't been granted write permission by the user.\","
            b'"success":false}'
        ) == r.content


class TestTokenStateMachine:
    """
    §10.5: issued -> approved -> consumed; 60-minute expiry; key-bound.
    """

    def test_unapproved_token_is_denied(self, client: httpx.Client):
        """
        session/new before approval gives 401/17.
        """
        r = client.post(
            "/3/authentication/session/new",
            json={"request_token": new_token(client)},
        )

        assert BODY17 == r.content

    def test_token_is_consumed(self, server: TMDbServer, client: httpx.Client):
        """
        A token makes one session; the second session/new gives 401/17,
        and validate_with_login on it gives 401/33.
        """
        token = new_token(client)
        server.approve(token)
        first = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )
        second = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )
        revalidate = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": server.username,
                "password": server.password,
                "request_token": token,
            },
        )

        assert 200 == first.status_code
        assert BODY17 == second.content
        assert 33 == revalidate.json()["status_code"]

    def test_token_expires_after_60_minutes(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        advance() past 60 minutes expires a token: 401/33, then 401/17.
        """
        token = new_token(client)
        server.advance(59 * 60)
        server.approve(token)
        server.advance(61)
        validate = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": server.username,
                "password": server.password,
                "request_token": token,
            },
        )
        session = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 401 == validate.status_code
        assert 33 == validate.json()["status_code"]
        assert BODY17 == session.content
        with pytest.raises(ValueError, match="expired"):
            server.approve(token)

    def test_token_bound_to_key(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        A token of one key is invalid with another: 401/33 and 401/17.
        """
        other = server.add_api_key()
        token = new_token(client)
        server.approve(token)
        validate = client.post(
            "/3/authentication/token/validate_with_login",
            params={"api_key": other},
            json={
                "username": server.username,
                "password": server.password,
                "request_token": token,
            },
        )
        session = client.post(
            "/3/authentication/session/new",
            params={"api_key": other},
            json={"request_token": token},
        )

        assert 33 == validate.json()["status_code"]
        assert BODY17 == session.content

    def test_read_token_counts_as_its_key(
        self, server: TMDbServer, raw: httpx.Client, client: httpx.Client
    ):
        """
        A token made with the read token works with the same key's api_key.
        """
        bearer = {"Authorization": f"Bearer {server.read_token}"}
        token = raw.get("/3/authentication/token/new", headers=bearer).json()[
            "request_token"
        ]
        server.approve(token)
        r = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 200 == r.status_code

    def test_denied_token(self, server: TMDbServer, client: httpx.Client):
        """
        deny() makes session/new 401/17 and validate_with_login 401/33.
        """
        token = new_token(client)
        server.deny(token)
        session = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert BODY17 == session.content

    def test_approve_unknown_token(self, server: TMDbServer):
        """
        approve() and deny() refuse tokens the server never issued.
        """
        with pytest.raises(ValueError, match="unknown"):
            server.approve("0" * 40)
        with pytest.raises(ValueError, match="unknown"):
            server.deny("0" * 40)

    def test_approve_as_other_user(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        approve(username=...) makes the session belong to that user.
        """
        bob = server.add_user("bob", "pw")
        token = new_token(client)
        server.approve(token, username="bob")
        sid = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        ).json()["session_id"]
        account = client.get("/3/account", params={"session_id": sid}).json()

        assert (bob.id, "bob") == (account["id"], account["username"])


class TestApprovalPage:
    """
    §4: the approval page at /authenticate/<token>, driven by plain HTTP.
    """

    def test_page_has_both_buttons(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        GET /authenticate/<token> is HTML with Approve and Deny forms.
        """
        token = new_token(client)
        r = web.get(
            f"{server.url}/authenticate/{token}",
            params={"redirect_to": "http://app.test/cb?x=1"},
        )
        page = r.text

        assert 200 == r.status_code
        assert "text/html; charset=utf-8" == r.headers["content-type"]
        assert "<title>" in page
        assert "Application #1" in page
        assert '<button id="allow"' in page
        assert '<button id="deny"' in page
        assert f'action="/authenticate/{token}/allow"' in page
        assert f'action="/authenticate/{token}/deny"' in page
        assert 'value="http://app.test/cb?x=1"' in page

    def test_allow_redirects_with_approved(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §4: POST allow redirects to redirect_to with request_token and
        approved=true, keeping its query; the token then makes a session.
        """
        token = new_token(client)
        r = requests.post(
            f"{server.url}/authenticate/{token}/allow",
            data={"redirect_to": "http://app.test/cb?x=1#frag"},
            allow_redirects=False,
            timeout=5,
        )
        location = urlsplit(r.headers["location"])
        session = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 302 == r.status_code
        assert ("app.test", "/cb", "frag") == (
            location.hostname,
            location.path,
            location.fragment,
        )
        assert {
            "x": ["1"],
            "request_token": [token],
            "approved": ["true"],
        } == parse_qs(location.query)
        assert 200 == session.status_code

    def test_allow_without_redirect(
        self, server: TMDbServer, http: requests.Session
    ):
        """
        §4: without redirect_to, an empty POST allow lands on
        /authenticate/<token>/allow, whose Authentication-Callback header
        is the session/new call.
        """
        token = http.get(server.url + "/3/authentication/token/new").json()[
            "request_token"
        ]
        r = requests.post(
            f"{server.url}/authenticate/{token}/allow",
            allow_redirects=False,
            timeout=5,
        )
        landing = requests.get(server.url + r.headers["location"], timeout=5)
        callback = landing.headers["authentication-callback"]
        session = http.get(callback)

        assert 302 == r.status_code
        assert f"/authenticate/{token}/allow" == r.headers["location"]
        assert 200 == landing.status_code
        assert "Approved" in landing.text
        assert (
            f"{server.url}/3/authentication/session/new?request_token={token}"
            == callback
        )
        assert 200 == session.status_code

    def test_deny_redirects_with_denied(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        §12.1: POST deny redirects with request_token and denied=true (a
        guess), and the token is refused.
        """
        token = new_token(client)
        r = web.post(
            f"{server.url}/authenticate/{token}/deny",
            data={"redirect_to": "http://app.test/cb"},
        )
        session = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 302 == r.status_code
        assert (
            f"http://app.test/cb?request_token={token}&denied=true"
            == r.headers["location"]
        )
        assert BODY17 == session.content

    def test_deny_param_none(self, web: httpx.Client):
        """
        §12.1: deny_param=None redirects with the token only.
        """
        with TMDbServer(deny_param=None) as server:
            token = web.get(
                server.url + "/3/authentication/token/new",
                params={"api_key": server.api_key},
            ).json()["request_token"]
            r = web.post(
                f"{server.url}/authenticate/{token}/deny",
                params={"redirect_to": "http://app.test/cb"},
            )

        assert (
            f"http://app.test/cb?request_token={token}"
            == r.headers["location"]
        )

    def test_deny_without_redirect(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        Without redirect_to, deny lands on a "denied" page.
        """
        token = new_token(client)
        r = web.post(
            f"{server.url}/authenticate/{token}/deny", follow_redirects=True
        )

        assert 200 == r.status_code
        assert "Denied" in r.text

    def test_unknown_or_expired_token(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        An unknown or expired token gets a 404 HTML page.
        """
        token = new_token(client)
        server.advance(3601)
        unknown = web.get(f"{server.url}/authenticate/{'0' * 40}")
        expired = web.post(f"{server.url}/authenticate/{token}/allow")

        assert (404, 404) == (unknown.status_code, expired.status_code)
        assert "text/html; charset=utf-8" == unknown.headers["content-type"]

    def test_callback_header_flow(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        §10.6: following Authentication-Callback + redirect_to and pressing
        Approve reaches redirect_to with approved=true.
        """
        r = client.get("/3/authentication/token/new")
        page_url = (
            r.headers["authentication-callback"]
            + "?redirect_to=http://x.test/"
        )
        page = web.get(page_url)
        action = re.search(r'action="([^"]+/allow)"', page.text)
        assert action is not None
        done = web.post(
            server.url + action.group(1),
            data={"redirect_to": "http://x.test/"},
        )

        assert "approved=true" in done.headers["location"]

    def test_redirect_to_with_control_characters(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        A redirect_to with control characters is refused (no header splitting).
        """
        token = new_token(client)
        r = web.post(
            f"{server.url}/authenticate/{token}/allow",
            data={"redirect_to": "http://x.test/\r\nSet-Cookie: a=b"},
        )

        assert 400 == r.status_code
        assert "set-cookie" not in r.headers


class TestSessionEndpoints:
    """
    §6: the endpoints that need a session, with their check order.
    """

    def test_account(self, server: TMDbServer, client: httpx.Client):
        """
        GET /3/account with a session answers the account in TMDb's order.
        """
        r = client.get(
            "/3/account", params={"session_id": login(server, client)}
        )
        body = r.json()

        assert 200 == r.status_code
        assert [
            "avatar", "id", "iso_639_1", "iso_3166_1", "name",
            "include_adult", "username",
        ] == list(body)  # fmt: skip
        assert (6089455, "ann") == (body["id"], body["username"])

    @pytest.mark.parametrize("which", ["empty", "unknown", "guest-as-user"])
    def test_bad_session(self, client: httpx.Client, which: str):
        """
        §2.2: empty, unknown, or a guest id as session_id gives 401/3.
        """
        sid = {
            "empty": "",
            "unknown": "0" * 40,
            "guest-as-user": guest(client),
        }[which]
        r = client.get("/3/account", params={"session_id": sid})

        assert 401 == r.status_code
        assert err(3, MSG3) == r.json()

    def test_user_route_refuses_guest(self, client: httpx.Client):
        """
        Routes that need a user session refuse a guest session: 401/3.
        """
        params = {"guest_session_id": guest(client)}
        account = client.get("/3/account", params=params)
        new_list = client.post("/3/list", params=params, json={"name": "x"})

        assert (401, 401) == (account.status_code, new_list.status_code)

    def test_account_by_id(self, server: TMDbServer, client: httpx.Client):
        """
        /3/account/{id}: own id 200, another user's id 401/3, unknown 404/34.
        """
        params = {"session_id": login(server, client)}
        bob = server.add_user("bob", "pw")
        own = client.get("/3/account/6089455", params=params)
        other = client.get(f"/3/account/{bob.id}", params=params)
        unknown = client.get("/3/account/1", params=params)

        assert (200, 401, 404) == (
            own.status_code,
            other.status_code,
            unknown.status_code,
        )

    @pytest.mark.parametrize("kind", ["favorite", "watchlist"])
    def test_favorite_and_watchlist(
        self, server: TMDbServer, client: httpx.Client, kind: str
    ):
        """
        §6/§12.8: 201/1 when added, 201/12 when again, 200/13 when removed;
        the paged list shows it meanwhile.
        """
        params = {"session_id": login(server, client)}
        path = f"/3/account/6089455/{kind}"
        body = {"media_type": "movie", "media_id": 550, kind: True}
        first = client.post(path, params=params, json=body)
        again = client.post(path, params=params, json=body)
        listed = client.get(path + "/movies", params=params).json()
        removed = client.post(path, params=params, json={**body, kind: False})
        after = client.get(path + "/movies", params=params).json()

        assert (201, 1) == (first.status_code, first.json()["status_code"])
        assert (201, 12) == (again.status_code, again.json()["status_code"])
        assert (200, 13) == (
            removed.status_code,
            removed.json()["status_code"],
        )
        assert ["page", "results", "total_pages", "total_results"] == list(
            listed
        )
        assert [550] == [m["id"] for m in listed["results"]]
        assert (1, 1) == (listed["total_pages"], listed["total_results"])
        assert 0 == after["total_results"]

    def test_favorite_check_order(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §6 check order on favorite: 401/3, then 422/5 body, then 404/34.
        """
        sid = login(server, client)
        path = "/3/account/6089455/favorite"
        bad = {"media_type": "book", "media_id": 1, "favorite": True}
        unknown = {"media_type": "movie", "media_id": 1, "favorite": True}
        no_session = client.post(path, json=bad)
        bad_body = client.post(path, params={"session_id": sid}, json=bad)
        missing = client.post(path, params={"session_id": sid}, json=unknown)

        assert [(401, 3), (422, 5), (404, 34)] == [
            (r.status_code, r.json()["status_code"])
            for r in (no_session, bad_body, missing)
        ]

    def test_paging_errors(self, server: TMDbServer, client: httpx.Client):
        """
        page=0 or a non-integer page gives 400/22.
        """
        sid = login(server, client)
        results = [
            client.get(
                "/3/account/6089455/lists",
                params={"session_id": sid, "page": p},
            ).json()["status_code"]
            for p in ("0", "two")
        ]

        assert [22, 22] == results

    @pytest.mark.parametrize(
        "path",
        [
            "/3/movie/550",
            "/3/tv/1399",
            "/3/tv/1399/season/1/episode/1",
        ],
    )
    @pytest.mark.parametrize("kind", ["user", "guest"])
    def test_rating_lifecycle(
        self, server: TMDbServer, client: httpx.Client, path: str, kind: str
    ):
        """
        §10.8: rating create 201/1, update 201/12, delete 200/13, for
        user and guest sessions on movie, tv and episode.
        """
        if kind == "user":
            params = {"session_id": login(server, client)}
        else:
            params = {"guest_session_id": guest(client)}
        create = client.post(
            path + "/rating", params=params, json={"value": 8.5}
        )
        update = client.post(
            path + "/rating", params=params, json={"value": 9}
        )
        states = client.get(path + "/account_states", params=params).json()
        delete = client.delete(path + "/rating", params=params)
        after = client.get(path + "/account_states", params=params).json()

        assert (
            201,
            b'{"success":true,"status_code":1,"status_message":"Success."}',
        ) == (
            create.status_code,
            create.content,
        )
        assert (201, 12) == (update.status_code, update.json()["status_code"])
        assert (
            200,
            {
                "success": True,
                "status_code": 13,
                "status_message": "The item/record was deleted successfully.",
            },
        ) == (delete.status_code, delete.json())
        assert {"value": 9.0} == states["rated"]
        assert False is after["rated"]

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (0, "Value too low: Value must be greater than 0.0."),
            (-1, "Value too low: Value must be greater than 0.0."),
            (0.1, "Value invalid: Values must be a multiple of 0.50."),
            (0.4, "Value invalid: Values must be a multiple of 0.50."),
            (7.2, "Value invalid: Values must be a multiple of 0.50."),
            (
                10.1,
                "Value too high: Value must be less than, or equal to 10.0.",
            ),
            (
                10.5,
                "Value too high: Value must be less than, or equal to 10.0.",
            ),
        ],
    )
    def test_rating_validation(
        self, client: httpx.Client, value: float, message: str
    ):
        """
        §6: rating values outside 0.5-10.0 or off the 0.5 grid give 400/18.
        """
        r = client.post(
            "/3/movie/550/rating",
            params={"guest_session_id": guest(client)},
            json={"value": value},
        )

        assert 400 == r.status_code
        assert err(18, message) == r.json()

    def test_rating_check_order(self, client: httpx.Client, raw: httpx.Client):
        """
        §6/§10.3 check order: key 401/7, session 401/3, body 400/18 (even
        on movie 0), then unknown movie 404/34.
        """
        gid = guest(client)
        no_key = raw.post("/3/movie/0/rating", json={"value": 0})
        no_session = client.post("/3/movie/0/rating", json={"value": 0})
        bad_value = client.post(
            "/3/movie/0/rating",
            params={"guest_session_id": gid},
            json={"value": 0},
        )
        unknown = client.post(
            "/3/movie/0/rating",
            params={"guest_session_id": gid},
            json={"value": 5},
        )

        assert [(401, 7), (401, 3), (400, 18), (404, 34)] == [
            (r.status_code, r.json()["status_code"])
            for r in (no_key, no_session, bad_value, unknown)
        ]

    @pytest.mark.parametrize("body", [b"", b"[1]", b'{"value":"high"}', b"{"])
    def test_rating_malformed_body(self, client: httpx.Client, body: bytes):
        """
        §6: a missing or malformed rating body gives 422/5.
        """
        r = client.post(
            "/3/movie/550/rating",
            params={"guest_session_id": guest(client)},
            content=body,
            headers={"Content-Type": "application/json;charset=utf-8"},
        )

        assert (422, 5) == (r.status_code, r.json()["status_code"])

    def test_account_states(self, server: TMDbServer, client: httpx.Client):
        """
        §6: account_states shows favorite, rating and watchlist.
        """
        params = {"session_id": login(server, client)}
        client.post(
            "/3/account/6089455/watchlist",
            params=params,
            json={"media_type": "tv", "media_id": 1399, "watchlist": True},
        )
        client.post("/3/tv/1399/rating", params=params, json={"value": 10})
        tv = client.get("/3/tv/1399/account_states", params=params).json()
        season = client.get(
            "/3/tv/1399/season/1/account_states", params=params
        ).json()

        assert {
            "id": 1399,
            "favorite": False,
            "rated": {"value": 10.0},
            "watchlist": True,
        } == tv
        assert {
            "id": 3624,
            "results": [{"id": 63056, "episode_number": 1, "rated": False}],
        } == season

    def test_guest_rated_lists(self, client: httpx.Client):
        """
        §6: /3/guest_session/{id}/rated/* list the guest's ratings.
        """
        gid = guest(client)
        params = {"guest_session_id": gid}
        client.post("/3/movie/550/rating", params=params, json={"value": 8})
        client.post("/3/movie/13/rating", params=params, json={"value": 7.5})
        client.post(
            "/3/tv/1399/season/1/episode/1/rating",
            params=params,
            json={"value": 9},
        )
        movies = client.get(
            f"/3/guest_session/{gid}/rated/movies",
            params={"sort_by": "created_at.desc"},
        ).json()
        episodes = client.get(
            f"/3/guest_session/{gid}/rated/tv/episodes"
        ).json()
        shows = client.get(f"/3/guest_session/{gid}/rated/tv").json()
        unknown = client.get(f"/3/guest_session/{'0' * 32}/rated/movies")

        assert [(13, 7.5), (550, 8.0)] == [
            (m["id"], m["rating"]) for m in movies["results"]
        ]
        assert [(63056, 9.0)] == [
            (e["id"], e["rating"]) for e in episodes["results"]
        ]
        assert 0 == shows["total_results"]
        assert (401, 3) == (unknown.status_code, unknown.json()["status_code"])

    def test_user_rated_lists(self, server: TMDbServer, client: httpx.Client):
        """
        §6: /3/account/{id}/rated/movies lists the user's ratings.
        """
        params = {"session_id": login(server, client)}
        client.post("/3/movie/11/rating", params=params, json={"value": 6.5})
        rated = client.get(
            "/3/account/6089455/rated/movies", params=params
        ).json()

        assert [(11, 6.5)] == [
            (m["id"], m["rating"]) for m in rated["results"]
        ]

    def test_lists(self, server: TMDbServer, client: httpx.Client):
        """
        §6 lists: create 201/1 with list_id, add 201/12, duplicate 403/8,
        item_status, remove 200/13, clear needs confirm (400/29), delete.
        """
        params = {"session_id": login(server, client)}
        created = client.post(
            "/3/list",
            params=params,
            json={"name": "Mine", "description": "d", "language": "en"},
        )
        list_id = created.json()["list_id"]
        base = f"/3/list/{list_id}"
        add = client.post(
            base + "/add_item", params=params, json={"media_id": 18}
        )
        dup = client.post(
            base + "/add_item", params=params, json={"media_id": 18}
        )
        client.post(base + "/add_item", params=params, json={"media_id": 550})
        shown = client.get(base).json()
        present = client.get(
            base + "/item_status", params={"movie_id": 18}
        ).json()
        removed = client.post(
            base + "/remove_item", params=params, json={"media_id": 18}
        )
        unconfirmed = client.post(base + "/clear", params=params)
        cleared = client.post(
            base + "/clear", params={**params, "confirm": "true"}
        )
        mine = client.get("/3/account/6089455/lists", params=params).json()
        deleted = client.delete(base, params=params)
        gone = client.get(base)

        assert (201, 1) == (created.status_code, created.json()["status_code"])
        assert [
            "status_message", "success", "status_code", "list_id"
        ] == list(created.json())  # fmt: skip
        assert (201, 12) == (add.status_code, add.json()["status_code"])
        assert (403, 8) == (dup.status_code, dup.json()["status_code"])
        assert [18, 550] == [m["id"] for m in shown["items"]]
        assert {"id": list_id, "item_present": True} == present
        assert (200, 13) == (
            removed.status_code,
            removed.json()["status_code"],
        )
        assert (400, 29) == (
            unconfirmed.status_code,
            unconfirmed.json()["status_code"],
        )
        assert (201, 12) == (
            cleared.status_code,
            cleared.json()["status_code"],
        )
        assert [(list_id, 0)] == [
            (lst["id"], lst["item_count"]) for lst in mine["results"]
        ]
        assert 12 == deleted.json()["status_code"]
        assert 404 == gone.status_code

    def test_list_of_other_user(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        Editing another user's list gives 401/38.
        """
        mine = {"session_id": login(server, client)}
        server.add_user("bob", "pw")
        token = new_token(client)
        server.approve(token, username="bob")
        bobs = {
            "session_id": client.post(
                "/3/authentication/session/new", json={"request_token": token}
            ).json()["session_id"]
        }
        list_id = client.post(
            "/3/list", params=bobs, json={"name": "b"}
        ).json()["list_id"]
        r = client.post(
            f"/3/list/{list_id}/add_item", params=mine, json={"media_id": 550}
        )

        assert (401, 38) == (r.status_code, r.json()["status_code"])

    def test_bearer_does_not_act_as_owner_by_default(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        §2.3/§12.6: the read token alone does not open user endpoints.
        """
        r = raw.get(
            "/3/account",
            headers={"Authorization": f"Bearer {server.read_token}"},
        )

        assert (401, 3) == (r.status_code, r.json()["status_code"])

    def test_bearer_acts_as_owner(self):
        """
        §2.3/§12.6: bearer_acts_as_owner=True lets the read token act as the
        key owner's session.
        """
        with (
            TMDbServer(bearer_acts_as_owner=True) as server,
            httpx.Client(
                verify=TLS,
                base_url=server.url,
                headers={"Authorization": f"Bearer {server.read_token}"},
            ) as c,
        ):
            account = c.get("/3/account")
            rating = c.post("/3/movie/550/rating", json={"value": 8})
            by_key = c.get(
                "/3/account",
                params={"api_key": server.api_key},
                headers={"Authorization": ""},
            )

        assert (200, "ann") == (
            account.status_code,
            account.json()["username"],
        )
        assert 201 == rating.status_code
        assert 401 == by_key.status_code


class TestSessionLifetimes:
    """
    §5: user sessions last; guest sessions expire; controls revoke.
    """

    def test_revoke_session(self, server: TMDbServer, client: httpx.Client):
        """
        revoke_session() ends a user or guest session: 401/3 afterwards.
        """
        sid, gid = login(server, client), guest(client)
        server.revoke_session(sid)
        server.revoke_session(gid)
        server.revoke_session("not-a-session")
        account = client.get("/3/account", params={"session_id": sid})
        rating = client.post(
            "/3/movie/550/rating",
            params={"guest_session_id": gid},
            json={"value": 5},
        )

        assert (401, 401) == (account.status_code, rating.status_code)
        assert (3, 3) == (
            account.json()["status_code"],
            rating.json()["status_code"],
        )

    def test_revoke_all_sessions(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        revoke_all_sessions() ends every session.
        """
        sids = [login(server, client), guest(client)]
        server.revoke_all_sessions()

        assert [False, False] == [server.session_is_valid(s) for s in sids]

    def test_expire_guest_sessions(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §12.4: expire_guest_sessions() makes guests 401/3; users stay.
        """
        sid, gid = login(server, client), guest(client)
        server.expire_guest_sessions()
        r = client.get(
            "/3/movie/550/account_states", params={"guest_session_id": gid}
        )

        assert err(3, MSG3) == r.json()
        assert server.session_is_valid(sid)
        assert not server.session_is_valid(gid)

    def test_expired_guest_configurable(self):
        """
        §12.4: expired_guest_session chooses the status and code.
        """
        with (
            TMDbServer(expired_guest_session=(401, 35)) as server,
            httpx.Client(
                verify=TLS,
                base_url=server.url,
                params={"api_key": server.api_key},
            ) as c,
        ):
            gid = guest(c)
            server.advance(24 * 3600)
            r = c.get(
                "/3/movie/550/account_states", params={"guest_session_id": gid}
            )

        assert (401, err(35, "Invalid token.")) == (r.status_code, r.json())

    def test_guest_expires_after_24_hours(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §5: a guest session is valid until its expires_at, 24 h later;
        a user session never expires.
        """
        sid, gid = login(server, client), guest(client)
        server.advance(24 * 3600 - 60)
        before = server.session_is_valid(gid)
        server.advance(61)

        assert before
        assert not server.session_is_valid(gid)
        server.advance(10 * 365 * 24 * 3600)
        assert server.session_is_valid(sid)

    def test_guest_unused_ttl(self):
        """
        §5: guest_unused_ttl deletes guest sessions not used in time.
        """
        with (
            TMDbServer(guest_unused_ttl=3600) as server,
            httpx.Client(
                verify=TLS,
                base_url=server.url,
                params={"api_key": server.api_key},
            ) as c,
        ):
            unused, used = guest(c), guest(c)
            c.post("/3/movie/550/rating", params={"guest_session_id": used},
                   json={"value": 5})  # fmt: skip
            server.advance(3601)
            r = c.get(
                "/3/movie/550/account_states",
                params={"guest_session_id": unused},
            )

            assert (401, 3) == (r.status_code, r.json()["status_code"])
            assert server.session_is_valid(used)
            assert not server.session_is_valid(unused)

    def test_advance_refuses_negative(self, server: TMDbServer):
        """
        The server clock only moves forward.
        """
        with pytest.raises(ValueError, match="forward"):
            server.advance(-1)


class TestControls:
    def test_rate_limit_without_retry_after(self):
        """
        §12.2: retry_after=None omits Retry-After on 429.
        """
        with (
            TMDbServer(retry_after=None) as server,
            httpx.Client(verify=TLS, base_url=server.url) as c,
        ):
            server.set_rate_limit(0.001, burst=1)
            c.get("/3/configuration")
            r = c.get("/3/configuration")

        assert 429 == r.status_code
        assert "retry-after" not in r.headers

    def test_rate_limit_off_and_refill(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        set_rate_limit(None) turns limiting off; the bucket refills.
        """
        server.set_rate_limit(1000, burst=1)
        statuses = [
            client.get("/3/configuration").status_code for _ in range(3)
        ]
        server.set_rate_limit(None)
        after = [client.get("/3/configuration").status_code for _ in range(5)]

        assert 200 == statuses[0]
        assert [200] * 5 == after

    @pytest.mark.parametrize(
        ("status", "code"),
        [(500, 11), (502, 43), (503, 9), (504, 24), (404, 34)],
    )
    def test_fail_next_default_bodies(
        self, server: TMDbServer, client: httpx.Client, status: int, code: int
    ):
        """
        fail_next() answers TMDb's error body for the status, once.
        """
        server.fail_next("/3/configuration", status=status)
        failed = client.get("/3/configuration")
        ok = client.get("/3/configuration")

        assert (status, code) == (
            failed.status_code,
            failed.json()["status_code"],
        )
        assert JSON_TYPE == failed.headers["content-type"]
        assert 200 == ok.status_code

    def test_fail_next_429(self, server: TMDbServer, client: httpx.Client):
        """
        A canned 429 carries code 25 and Retry-After.
        """
        server.fail_next("/3/authentication/guest_session/new", status=429)
        r = client.get("/3/authentication/guest_session/new")

        assert (429, 25) == (r.status_code, r.json()["status_code"])
        assert "1" == r.headers["retry-after"]

    def test_fail_next_count_and_method(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        count= fails that many matching requests; method= filters.
        """
        server.fail_next("/3/movie/550", 2, method="get", status=503)
        other_path = client.get("/3/movie/11").status_code
        statuses = [client.get("/3/movie/550").status_code for _ in range(3)]

        assert 200 == other_path
        assert [503, 503, 200] == statuses

    def test_fail_next_custom_body(
        self, server: TMDbServer, http: requests.Session
    ):
        """
        body=, content_type= and headers= shape a garbage answer.
        """
        server.fail_next(
            "/3/configuration",
            status=502,
            body=b"<html>Bad gateway</html>",
            content_type="text/html",
            headers={"X-Cache": "Error from cloudfront"},
        )
        r = http.get(server.url + "/3/configuration")

        assert 502 == r.status_code
        assert b"<html>Bad gateway</html>" == r.content
        assert "text/html" == r.headers["content-type"]
        assert "Error from cloudfront" == r.headers["x-cache"]

    def test_fail_next_json(self, server: TMDbServer, client: httpx.Client):
        """
        json= sends that JSON, even with a 2xx status.
        """
        server.fail_next(
            "/3/authentication", status=200, json={"success": False}
        )
        r = client.get("/3/authentication")

        assert (200, {"success": False}) == (r.status_code, r.json())

    def test_fail_next_drop(self, server: TMDbServer, client: httpx.Client):
        """
        drop=True closes the connection without an answer (both clients).
        """
        server.fail_next("/3/authentication/token/new", 2, drop=True)

        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/3/authentication/token/new")
        with pytest.raises(requests.ConnectionError):
            requests.get(
                server.url + "/3/authentication/token/new",
                params={"api_key": server.api_key},
                timeout=5,
            )
        assert 200 == client.get("/3/authentication/token/new").status_code

    def test_fail_next_delay_does_not_block(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        A delayed answer (status=None answers normally) does not hold up
        other connections.
        """
        server.fail_next("/3/authentication", status=None, delay=0.5)
        slow_done = threading.Event()
        results: list[int] = []

        def slow() -> None:
            with httpx.Client(verify=TLS, base_url=server.url) as c:
                r = c.get(
                    "/3/authentication", params={"api_key": server.api_key}
                )
            results.append(r.status_code)
            slow_done.set()

        thread = threading.Thread(target=slow)
        thread.start()
        arrived = server.wait_for("/3/authentication")
        fast = client.get("/3/movie/550")
        fast_first = not slow_done.is_set()
        thread.join()

        assert arrived
        assert 200 == fast.status_code
        assert fast_first
        assert [200] == results

    def test_log(self, server: TMDbServer, client: httpx.Client):
        """
        requests is a copy of the log, with lower-case headers, last-wins
        query and the raw body.
        """
        client.post(
            "/3/movie/550/rating",
            params=[("x", "1"), ("x", "2")],
            json={"value": 8},
            headers={"X-Test": "yes"},
        )
        log = server.requests
        log.clear()
        (rec,) = server.requests

        assert isinstance(rec, RecordedRequest)
        assert ("POST", "/3/movie/550/rating") == (rec.method, rec.path)
        assert "2" == rec.query["x"]
        assert "yes" == rec.headers["x-test"]
        assert {"value": 8} == rec.json()

    def test_recorded_request_repr_masks_secrets(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        The repr of a recorded request shows no key, session or password.
        """
        sid = login(server, client)
        client.get(
            "/3/account",
            params={"session_id": sid},
            headers={"Authorization": f"Bearer {server.read_token}"},
        )
        text = repr(server.requests[-1])

        assert server.api_key not in text
        assert sid not in text
        assert server.read_token not in text
        assert "'session_id': '***'" in text

    def test_count_and_sessions_created(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        count() filters by path and method; sessions_created counts
        successful creations by kind.
        """
        login(server, client)
        guest(client)
        guest(client)
        client.post(
            "/3/authentication/session/new", json={"request_token": "x"}
        )

        assert {"guest": 2, "user": 1} == server.sessions_created
        assert 2 == server.count("/3/authentication/session/new")
        assert 2 == server.count("/3/authentication/session/new", "POST")
        assert 0 == server.count(method="DELETE")
        assert 5 == server.count()

    def test_reset(self, server: TMDbServer, client: httpx.Client):
        """
        reset() clears log, counters and faults; sessions and keys stay.
        """
        sid = login(server, client)
        server.fail_next("/3/configuration")
        server.reset()
        r = client.get("/3/configuration")

        assert 200 == r.status_code
        assert {"guest": 0, "user": 0} == server.sessions_created
        assert 1 == server.count()
        assert server.session_is_valid(sid)

    def test_wait_for(self, server: TMDbServer, client: httpx.Client):
        """
        wait_for() returns once enough matching requests arrived, or False
        after the timeout.
        """
        client.get("/3/configuration")
        client.get("/3/configuration")

        assert server.wait_for("/3/configuration", count=2)
        assert server.wait_for(method="GET")
        assert not server.wait_for("/3/configuration", count=3, timeout=0.01)

    def test_session_delay(self, server: TMDbServer, client: httpx.Client):
        """
        session_delay (a settable attribute) delays session creation only.
        """
        server.session_delay = 0.2
        t0 = time.perf_counter()
        guest(client)
        slow = time.perf_counter() - t0
        t0 = time.perf_counter()
        client.get("/3/authentication")
        fast = time.perf_counter() - t0

        assert slow >= 0.2
        assert fast < 0.2

    def test_add_user(self, server: TMDbServer, client: httpx.Client):
        """
        add_user() returns a User whose repr hides the password; the user
        can log in.
        """
        user = server.add_user("carol", "s3cret-pw")
        token = new_token(client)
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": "carol",
                "password": "s3cret-pw",
                "request_token": token,
            },
        )

        assert User("carol", "s3cret-pw", user.id) == user
        assert "s3cret-pw" not in repr(user)
        assert 200 == r.status_code

    def test_add_api_key_rejects_bad_shape(self, server: TMDbServer):
        """
        API keys must be 32 lowercase hex characters.
        """
        with pytest.raises(ValueError, match="32"):
            server.add_api_key("ABC")


class TestConcurrency:
    def test_parallel_guest_and_user_sessions(self, server: TMDbServer):
        """
        16 threads, started together, each make a guest and a user session:
        all distinct and valid.
        """
        n = 16
        barrier = threading.Barrier(n)
        ids: list[str] = []
        errors: list[BaseException] = []
        lock = threading.Lock()

        def work() -> None:
            try:
                with httpx.Client(
                    verify=TLS,
                    base_url=server.url,
                    params={"api_key": server.api_key},
                ) as c:
                    barrier.wait(timeout=10)
                    gid = guest(c)
                    token = new_token(c)
                    c.post(
                        "/3/authentication/token/validate_with_login",
                        json={
                            "username": server.username,
                            "password": server.password,
                            "request_token": token,
                        },
                    )
                    sid = c.post(
                        "/3/authentication/session/new",
                        json={"request_token": token},
                    ).json()["session_id"]
                with lock:
                    ids.extend([gid, sid])
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert [] == errors
        assert 2 * n == len(set(ids))
        assert all(server.session_is_valid(i) for i in ids)
        assert {"guest": n, "user": n} == server.sessions_created


class TestV4:
    """
    §9: v4 request token -> approval -> access token -> v3 session.
    """

    def test_v4_flow(self, server: TMDbServer, raw: httpx.Client):
        """
        §9/§10.7: tokens are HS256 JWTs (exp = nbf + 900); an approved
        token becomes an access token, which converts to a v3 session.
        """
        bearer = {"Authorization": f"Bearer {server.read_token}"}
        r = raw.post(
            "/4/auth/request_token",
            headers=bearer,
            json={"redirect_to": "http://app.test/"},
        )
        request_token = r.json()["request_token"]
        claims = jwt_part(request_token, 1)
        unapproved = raw.post(
            "/4/auth/access_token",
            headers=bearer,
            json={"request_token": request_token},
        )
        server.approve(request_token)
        access = raw.post(
            "/4/auth/access_token",
            headers=bearer,
            json={"request_token": request_token},
        ).json()
        convert = raw.post(
            "/3/authentication/session/convert/4",
            headers=bearer,
            json={"access_token": access["access_token"]},
        )
        sid = convert.json()["session_id"]
        account = raw.get(
            "/3/account", headers=bearer, params={"session_id": sid}
        )
        logout = raw.request(
            "DELETE",
            "/4/auth/access_token",
            headers={"Authorization": f"Bearer {access['access_token']}"},
            json={"access_token": access["access_token"]},
        )

        assert [
            "request_token", "status_code", "status_message", "success"
        ] == list(r.json())  # fmt: skip
        assert ["pending_request_token"] == claims["scopes"]
        assert 900 == int(str(claims["exp"])) - int(float(str(claims["nbf"])))
        assert (422, 41) == (
            unapproved.status_code,
            unapproved.json()["status_code"],
        )
        assert re.fullmatch(r"[0-9a-f]{24}", access["account_id"])
        assert ["api_read", "api_write"] == jwt_part(
            access["access_token"], 1
        )["scopes"]
        assert 200 == convert.status_code
        assert "ann" == account.json()["username"]
        assert (200, 13) == (logout.status_code, logout.json()["status_code"])
        assert {"guest": 0, "user": 1} == server.sessions_created

    def test_v4_approval_page(self, server: TMDbServer, raw: httpx.Client):
        """
        §9.1: /auth/access?request_token= shows Approve/Deny; approving
        redirects to the token's redirect_to.
        """
        bearer = {"Authorization": f"Bearer {server.read_token}"}
        token = raw.post(
            "/4/auth/request_token",
            headers=bearer,
            json={"redirect_to": "http://app.test/done"},
        ).json()["request_token"]
        page = raw.get("/auth/access", params={"request_token": token})
        approve = raw.post(
            "/auth/access/approve", data={"request_token": token}
        )

        assert '<button id="allow"' in page.text
        assert '<button id="deny"' in page.text
        assert (302, "http://app.test/done") == (
            approve.status_code,
            approve.headers["location"],
        )
